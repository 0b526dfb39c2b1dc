// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();

// While a bundle is being built, or other slow work is done (web/work.py), poll its status
// and reload when it is done, so that the user need not press "Check if it is ready" (which
// works on its own without JavaScript).
const progress = document.querySelector("[data-status-url]");
if (progress && progress.dataset.statusUrl) {
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.statusUrl, { credentials: "same-origin" });
      const status = await response.json();
      if (status.state === "running" || status.state === "queued") {
        const wait = progress.dataset.wait || "This can take up to a minute.";
        if (status.step) progress.textContent = `${status.step}. ${wait}`;
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

// One upload limit (forms/fields.py UPLOAD_LIMIT_MB): a bigger file is stopped here, before
// it is sent, with the GOV.UK inline error and error summary, and the form keeps what was
// typed. Without JavaScript the server refuses it and shows the same error on the same page.
const UPLOAD_LIMIT_MB = 20;
const TOO_BIG = `The selected file must be smaller than ${UPLOAD_LIMIT_MB}MB`;
for (const form of document.querySelectorAll("form")) {
  form.addEventListener("submit", (event) => {
    const big = [...form.querySelectorAll("input[type=file]")].find((input) =>
      [...(input.files || [])].some((f) => f.size > UPLOAD_LIMIT_MB * 1024 * 1024));
    if (!big) return;
    event.preventDefault();
    const group = big.closest(".govuk-form-group");
    if (group && !group.querySelector(`#${big.id}-error`)) {
      group.classList.add("govuk-form-group--error");
      big.classList.add("govuk-file-upload--error");
      const message = document.createElement("p");
      message.className = "govuk-error-message";
      message.id = `${big.id}-error`;
      message.innerHTML = '<span class="govuk-visually-hidden">Error:</span> ';
      message.append(TOO_BIG);
      big.before(message);
      big.setAttribute("aria-describedby",
        `${big.getAttribute("aria-describedby") || ""} ${message.id}`.trim());
    }
    if (!document.querySelector(".govuk-error-summary")) {
      const summary = document.createElement("div");
      summary.className = "govuk-error-summary";
      summary.setAttribute("data-module", "govuk-error-summary");
      summary.innerHTML = '<div role="alert"><h2 class="govuk-error-summary__title">There is a ' +
        'problem</h2><div class="govuk-error-summary__body"><ul class="govuk-list ' +
        'govuk-error-summary__list"><li><a></a></li></ul></div></div>';
      const link = summary.querySelector("a");
      link.href = `#${big.id}`;
      link.textContent = TOO_BIG;
      const main = document.querySelector("main") || document.body;
      main.prepend(summary);
      if (!document.title.startsWith("Error: ")) document.title = `Error: ${document.title}`;
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });
}
