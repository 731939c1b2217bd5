// Debian's Chromium as the dashboard's Playwright drivers launch it (dashboard.mjs, live.mjs,
// money.mjs): headless, no sandbox (a container), nothing fetched in the background.
import { chromium } from "playwright-core";

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}
