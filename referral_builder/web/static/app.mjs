// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();

// While a bundle is being built, poll its status and reload when it is done, so that the
// user need not press "Check if it is ready" (which works on its own without JavaScript).
const progress = document.getElementById("bundle-progress");
if (progress && progress.dataset.statusUrl) {
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.statusUrl, { credentials: "same-origin" });
      const status = await response.json();
      if (status.state === "running" || status.state === "queued") {
        if (status.step) progress.textContent = `${status.step}. This can take up to a minute.`;
        window.setTimeout(poll, 1500);
      } else {
        window.location.reload();
      }
    } catch {
      window.setTimeout(poll, 3000);
    }
  };
  window.setTimeout(poll, 1500);
}
