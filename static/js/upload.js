// The upload form, better with JavaScript; it works without, as any form.
// - Drag and drop onto the drop zone fills its file input.
// - Sending shows each file's progress (XMLHttpRequest's upload events; the files go in the
//   order chosen, so the bytes sent tell how far each file is), then opens the result page
//   the server redirects to. A page without a redirect (the form said what is missing, a
//   file too large for the server) takes the place of this one's content.
(() => {
  function chosenFiles(form) {
    return Array.from(form.querySelectorAll("input[type=file]")).flatMap((input) =>
      Array.from(input.files || []),
    );
  }

  function setUpDropZone(zone) {
    const input = zone.querySelector("input[type=file]");
    if (!input) return;
    ["dragenter", "dragover"].forEach((name) =>
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("is-dragging");
      }),
    );
    ["dragleave", "drop"].forEach((name) =>
      zone.addEventListener(name, () => zone.classList.remove("is-dragging")),
    );
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      const transfer = new DataTransfer();
      Array.from(input.files || []).forEach((file) => transfer.items.add(file));
      Array.from(event.dataTransfer.files).forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
      input.dispatchEvent(new Event("change"));
    });
  }

  function progressLines(form, files) {
    const list = form.querySelector("[data-upload-progress]");
    list.replaceChildren();
    const lines = files.map((file) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      const state = document.createElement("small");
      state.className = "muted";
      state.textContent = form.dataset.labelSending || "";
      item.append(name, bar, state);
      list.append(item);
      return { bar, state, size: file.size };
    });
    list.hidden = false;
    return lines;
  }

  function showPage(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    if (!main) return;
    document.querySelector("main").replaceWith(main);
    setUp(main);
  }

  function send(form, files) {
    const button = form.querySelector("button[type=submit]");
    const lines = progressLines(form, files);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const action = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    const request = new XMLHttpRequest();
    request.open("POST", action.href);
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable || !event.total) return;
      // the body is the files and a little around them: scale what was sent to the files
      let sent = total * (event.loaded / event.total);
      lines.forEach((line) => {
        const part = line.size ? Math.min(Math.max(sent / line.size, 0), 1) : 1;
        line.bar.value = part;
        line.state.textContent = `${Math.round(part * 100)} %`;
        sent -= line.size;
      });
    });
    request.upload.addEventListener("load", () =>
      lines.forEach((line) => {
        line.bar.value = 1;
        line.state.textContent = form.dataset.labelSent || "";
      }),
    );
    request.addEventListener("load", () => {
      // redirected: the result page (its URL carries the upload's id); refreshing it never
      // uploads again
      if (request.responseURL && request.responseURL !== action.href) {
        window.location.assign(request.responseURL);
      } else {
        showPage(request.responseText);
      }
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      lines.forEach((line) => {
        line.state.textContent = form.dataset.labelFailed || "";
      });
    });
    button.disabled = true;
    request.send(new FormData(form));
  }

  function setUp(root) {
    const zone = root.querySelector("[data-drop-zone]");
    if (zone) setUpDropZone(zone);
    const form = root.querySelector("form[data-upload-form]");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener("submit", (event) => {
      const files = chosenFiles(form);
      if (!files.length) return; // posted as it is: the page says what is missing
      event.preventDefault();
      send(form, files);
    });
  }

  document.addEventListener("DOMContentLoaded", () => setUp(document));
})();
