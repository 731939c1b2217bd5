// The whole-path benchmark's clock, first in <head> and the same in both variants
// (tests/pages/bench-path.mjs): window.__swappedAt is performance.now() (0: navigation start)
// when all 20 printings (`a.phone`: the text and the tel: link) first no longer show the
// business number. Checked once when the page is parsed (this listener runs before any
// other), then after every change to the page. Not watched while the parser builds the page:
// records for its 10,000 elements would cost both variants time neither spends on numbers.
(() => {
  const phones = document.getElementsByClassName("phone");
  const business = /5550100100$/;
  const swapped = (s) => {
    const digits = (s || "").replace(/\D/g, "");
    return digits.length >= 10 && !business.test(digits);
  };
  const check = () => {
    if (window.__swappedAt !== undefined || phones.length < 20) return;
    for (let i = 0; i < phones.length; i++) {
      if (!swapped(phones[i].textContent) || !swapped(phones[i].getAttribute("href"))) return;
    }
    window.__swappedAt = performance.now();
    observer.disconnect();
  };
  const observer = new MutationObserver(check);
  document.addEventListener("DOMContentLoaded", () => {
    check();
    if (window.__swappedAt === undefined) {
      observer.observe(document.documentElement, {
        subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["href"],
      });
    }
  });
})();
