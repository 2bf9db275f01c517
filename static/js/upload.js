// Drag and drop onto the upload form's drop zone fills its file input; the form still works
// without JavaScript through the ordinary file picker.
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.querySelector("[data-drop-zone]");
  if (!zone) return;
  const input = zone.querySelector("input[type=file]");
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
});
