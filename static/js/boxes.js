// Document page: "Show on the page" draws the box of a field over the page it was read on, in
// place. Without JavaScript the links do the same through the server (?field=name).
document.addEventListener("DOMContentLoaded", () => {
  const view = document.getElementById("page-view");
  const whole = document.querySelector(".document-preview .whole-document");
  const links = document.querySelectorAll("a.show-box");
  if (!view || !whole || !links.length) return;
  const svg = view.querySelector("svg");
  const image = svg.querySelector("image");
  const rect = svg.querySelector("rect.field-box");
  const caption = view.querySelector(".page-view-caption");
  const fill = (text, values) =>
    text.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? values[key] : match));

  const show = (link) => {
    const data = link.dataset;
    const [, , width, height] = data.viewBox.split(" ");
    svg.setAttribute("viewBox", data.viewBox);
    svg.setAttribute("aria-label", fill(view.dataset.pageLabel, { page: data.page }));
    if (image.getAttribute("href") !== data.image) image.setAttribute("href", data.image);
    image.setAttribute("width", width);
    image.setAttribute("height", height);
    for (const name of ["x", "y", "width", "height"]) rect.setAttribute(name, data[name]);
    caption.textContent = fill(view.dataset.caption, { field: data.label, page: data.page });
    links.forEach((other) => {
      if (other === link) other.setAttribute("aria-current", "true");
      else other.removeAttribute("aria-current");
    });
    view.hidden = false;
    whole.hidden = true;
  };

  links.forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      show(link);
      history.replaceState(null, "", `?field=${encodeURIComponent(link.dataset.field)}`);
      if (view.getBoundingClientRect().top < 0 || view.getBoundingClientRect().top > innerHeight / 2) {
        view.scrollIntoView({ behavior: "smooth", block: "start" });
      }
    });
  });

  view.querySelector(".page-view-close").addEventListener("click", (event) => {
    event.preventDefault();
    view.hidden = true;
    whole.hidden = false;
    links.forEach((link) => link.removeAttribute("aria-current"));
    history.replaceState(null, "", location.pathname);
  });
});
