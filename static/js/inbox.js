// Choosing a mail provider fills in its IMAP server, port and security, and shows its advice.
// Without JavaScript the form still works: the server fills in an empty host from the preset.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("mailbox-presets");
  const provider = document.getElementById("id_provider");
  if (!data || !provider) return;
  const presets = JSON.parse(data.textContent);
  const host = document.getElementById("id_host");
  const port = document.getElementById("id_port");
  const security = document.getElementById("id_security");
  const hint = document.getElementById("preset-hint");
  const known = new Set(Object.values(presets).map((preset) => preset.host));
  const apply = (fill) => {
    const preset = presets[provider.value];
    if (!preset) return;
    hint.textContent = preset.hint || "";
    if (fill && preset.host && (!host.value || known.has(host.value))) {
      host.value = preset.host;
      port.value = preset.port;
      security.value = preset.security;
    }
  };
  provider.addEventListener("change", () => apply(true));
  apply(false);
});
