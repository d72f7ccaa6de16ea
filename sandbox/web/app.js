// The sandbox page: one panel per persona, kept live by /sandbox/events; every user action goes
// to the emulator's user side (/__sim/), as a Telegram app would act.
"use strict";

const panels = new Map(); // persona key -> panel
let personas = [];
let zoneOffset = 0;

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({ ok: false, description: resp.statusText }));
  if (!data.ok) throw new Error(data.description || resp.statusText);
  return data.result;
}

function status(text, isError) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.classList.toggle("error", !!isError);
}

function toast(text) {
  const t = document.createElement("div");
  t.className = "toast";
  t.setAttribute("role", "status");
  t.textContent = text;
  document.getElementById("toasts").appendChild(t);
  setTimeout(() => t.remove(), 3500);
}

function alertBox(text) {
  document.getElementById("alert-text").textContent = text;
  const d = document.getElementById("alert");
  if (!d.open) d.showModal();
}

const roleNames = { owner: "владелец", manager: "менеджер", mechanic: "механик", client: "клиент", group: "группа сотрудников" };

function staffPersonas() { return personas.filter(p => p.role === "owner" || p.role === "manager" || p.role === "mechanic"); }

// actor is the persona who acts in a panel: the persona itself, or in the group the chosen member.
function actor(panel) {
  if (panel.p.role !== "group") return panel.p;
  return personas.find(p => p.key === panel.asSelect.value) || staffPersonas()[0];
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

function makePanel(p) {
  const panel = { p, messages: [], menuFor: null };
  const typing = el("span", { class: "typing" });
  const list = el("div", { class: "messages", role: "log", "aria-label": "Chat of " + p.name, tabindex: "0" });
  const replykb = el("div", { class: "replykb", hidden: "" });
  const menu = el("div", { class: "menu", role: "menu", "aria-label": "Commands" });
  const input = el("input", { type: "text", "aria-label": "Message as " + p.name, placeholder: "Сообщение", autocomplete: "off" });
  const send = el("button", { type: "submit", "aria-label": "Send as " + p.name }, "➤");
  const menuBtn = el("button", { type: "button", "aria-label": "Command menu of " + p.name, "aria-haspopup": "menu", class: "menu-button" }, "☰");
  const form = el("form", { class: "compose" }, menuBtn, input, send);
  if (p.role !== "group") {
    const file = el("input", { type: "file", "aria-label": "Send a photo or document as " + p.name });
    file.addEventListener("change", () => { if (file.files[0]) sendFile(panel, file.files[0]); file.value = ""; });
    form.insertBefore(el("label", { class: "file", title: "Фото или документ" }, el("span", { "aria-hidden": "true" }, "📎"), file), input);
  } else {
    panel.asSelect = el("select", { "aria-label": "Who writes in the group" });
    for (const s of staffPersonas()) panel.asSelect.append(el("option", { value: s.key }, s.name));
    panel.asSelect.value = "manager";
    panel.asSelect.addEventListener("change", () => loadMenu(panel));
    form.insertBefore(panel.asSelect, menuBtn);
  }
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(panel, text);
  });
  menuBtn.addEventListener("click", () => { menu.classList.toggle("open"); if (menu.classList.contains("open")) menu.querySelector("button")?.focus(); });
  const title = el("h2", {}, p.name + " ", el("span", { class: "role" }, roleNames[p.role] + (p.phone ? " · " + p.phone : "")), typing);
  const root = el("section", { class: "persona", "data-persona": p.key, "aria-label": p.name + ", " + roleNames[p.role] }, title, list, replykb, menu, form);
  Object.assign(panel, { root, list, replykb, menu, input, typing });
  panels.set(p.key, panel);
  document.getElementById("personas").append(root);
  return panel;
}

async function act(panel, fn) {
  try { await fn(); } catch (e) { status(actor(panel).name + ": " + e.message, true); }
}

function sendText(panel, text) {
  const who = actor(panel);
  const body = { text };
  if (panel.p.role === "group") body.chat_id = panel.p.chat_id;
  act(panel, () => api("POST", `/__sim/users/${who.user_id}/send`, body));
}

function sendFile(panel, file) {
  const who = actor(panel);
  const reader = new FileReader();
  reader.onload = () => {
    const data = String(reader.result).split(",", 2)[1] || "";
    const isPhoto = /^image\/(jpeg|png|gif)$/.test(file.type);
    const route = isPhoto ? "photo" : "document";
    const body = isPhoto ? { data } : { name: file.name, data };
    act(panel, () => api("POST", `/__sim/users/${who.user_id}/${route}`, body));
  };
  reader.readAsDataURL(file);
}

async function press(panel, m, b) {
  const who = actor(panel);
  await act(panel, async () => {
    const res = await api("POST", `/__sim/users/${who.user_id}/press`, { chat_id: panel.p.chat_id, message_id: m.id, callback_data: b.callback_data });
    for (let i = 0; i < 40; i++) { // the bot answers within a moment; a toast or an alert shows it
      try {
        const a = await api("GET", `/__sim/callbacks/${encodeURIComponent(res.callback_query_id)}`);
        if (a.text) (a.show_alert ? alertBox : toast)(a.text);
        return;
      } catch (e) { await new Promise(r => setTimeout(r, 100)); }
    }
  });
}

function pressReply(panel, b) {
  const who = actor(panel);
  if (b.request_contact) act(panel, () => api("POST", `/__sim/users/${who.user_id}/share_contact`, { phone: who.phone }));
  else act(panel, () => api("POST", `/__sim/users/${who.user_id}/press_reply`, { label: b.text }));
}

function fileURL(m) { return `/__sim/files/${encodeURIComponent(m.file_id)}`; }

function renderMessage(panel, m) {
  const mine = !m.from_bot && (panel.p.role === "group" || m.from_user_id === panel.p.user_id);
  const box = el("div", { class: "msg" + (m.from_bot ? " bot" : " mine"), "data-id": String(m.id) });
  if (panel.p.role === "group" || m.from_bot) {
    const from = m.from_bot ? "UniFlow" : (personas.find(p => p.user_id === m.from_user_id)?.name || "user " + m.from_user_id);
    box.append(el("span", { class: "from" }, from));
  }
  if (m.kind === "photo" && m.file_id) box.append(el("img", { src: fileURL(m), alt: "photo" }));
  if (m.kind === "document" && m.file_id) box.append(el("a", { href: fileURL(m), download: m.file_name || "file", class: "doc" }, "📄 " + (m.file_name || "document")));
  if (m.kind === "contact" && m.contact) box.append(el("span", {}, "📇 " + m.contact.phone));
  if (m.kind === "sticker" || m.kind === "voice" || m.kind === "location") box.append(el("span", {}, "[" + m.kind + "]"));
  const body = el("div", { class: "text" });
  if (m.from_bot && m.html) body.append(renderTelegramHTML(m.html));
  else body.append(document.createTextNode(m.text || m.caption || ""));
  box.append(body);
  if (m.inline && m.inline.length) {
    const kb = el("div", { class: "inline" });
    for (const row of m.inline) {
      const r = el("div", { class: "row" });
      for (const b of row) {
        const href = b.url && safeHref(b.url);
        if (href) r.append(el("a", { href, target: "_blank", rel: "noopener noreferrer" }, b.text));
        else r.append(el("button", { type: "button", onclick: () => press(panel, m, b) }, b.text));
      }
      kb.append(r);
    }
    box.append(kb);
  }
  const t = new Date((Date.parse(m.date) || 0) + zoneOffset * 1000);
  box.append(el("span", { class: "meta" }, (m.edited ? "изменено · " : "") + t.toISOString().slice(11, 16)));
  return box;
}

function renderReplyKeyboard(panel) {
  let kb = null;
  for (const m of panel.messages) {
    if (m.reply && m.reply.length) kb = m.reply;
    if (m.remove_keyboard) kb = null;
  }
  const key = JSON.stringify(kb);
  if (key === panel.kbKey) return; // unchanged: keep the buttons a user may be about to press
  panel.kbKey = key;
  panel.replykb.replaceChildren();
  panel.replykb.hidden = !kb;
  for (const row of kb || []) {
    const r = el("div", { class: "row" });
    for (const b of row) r.append(el("button", { type: "button", onclick: () => pressReply(panel, b) }, (b.request_contact ? "📱 " : "") + b.text));
    panel.replykb.append(r);
  }
}

// renderPanel redraws only the messages that changed (an edit replaces its bubble in place), so
// a button under the pointer stays the same element.
function renderPanel(panel) {
  const list = panel.list;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const visible = panel.messages.filter(m => !m.deleted && m.kind !== "service");
  const old = panel.nodes || new Map();
  const nodes = new Map();
  const want = visible.map(m => {
    const key = JSON.stringify(m);
    const had = old.get(m.id);
    const node = had && had.key === key ? had.node : renderMessage(panel, m);
    nodes.set(m.id, { key, node });
    return node;
  });
  if (visible.length === 0 && panel.p.role !== "group") {
    const who = panel.p;
    panel.startButton = panel.startButton || el("button", { type: "button", class: "start", onclick: () => act(panel, () => api("POST", `/__sim/users/${who.user_id}/start`, {})) }, "Start");
    want.push(panel.startButton);
  }
  panel.nodes = nodes;
  want.forEach((node, i) => { if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null); });
  while (list.children.length > want.length) list.lastChild.remove();
  renderReplyKeyboard(panel);
  if (atBottom || !panel.scrolled) { list.scrollTop = list.scrollHeight; panel.scrolled = true; }
}

async function loadChat(panel) {
  const seq = panel.seq = (panel.seq || 0) + 1;
  try {
    const msgs = await api("GET", `/__sim/chats/${panel.p.chat_id}/messages`);
    if (seq !== panel.seq) return; // a newer read is on its way: an older answer must not win
    panel.messages = msgs;
    renderPanel(panel);
  } catch (e) { status(e.message, true); }
  loadMenu(panel);
}

async function loadMenu(panel) {
  const who = actor(panel);
  let cmds = [];
  try { cmds = await api("GET", `/__sim/chats/${panel.p.chat_id}/commands?user_id=${who.user_id}`); } catch (e) { return; }
  const key = JSON.stringify(cmds);
  if (key === panel.menuFor) return;
  panel.menuFor = key;
  panel.menu.replaceChildren(...cmds.map(c => el("button", { type: "button", role: "menuitem", onclick: () => { panel.menu.classList.remove("open"); sendText(panel, "/" + c.command); } }, el("b", {}, "/" + c.command), c.description)));
  panel.root.querySelector(".menu-button").disabled = cmds.length === 0;
}

function applyState(st) {
  personas = st.personas;
  zoneOffset = st.offset;
  const t = new Date((st.now + st.offset) * 1000);
  const d = t.toISOString();
  const nowEl = document.getElementById("now");
  nowEl.textContent = d.slice(8, 10) + "." + d.slice(5, 7) + "." + d.slice(0, 4) + " " + d.slice(11, 16) + " (" + st.zone + ")";
  nowEl.dataset.unix = String(st.now);
  document.body.dataset.ready = st.ready ? "1" : "0";
  if (st.error) status("Сотрудники не настроены: " + st.error, true);
  for (const p of personas) {
    let panel = panels.get(p.key);
    if (!panel) { panel = makePanel(p); loadChat(panel); }
    panel.p = p;
    const a = (st.actions || {})[String(p.chat_id)];
    panel.typing.textContent = a === "typing" ? "печатает…" : (a ? a + "…" : "");
  }
  for (const id of st.changed || []) {
    for (const panel of panels.values()) if (panel.p.chat_id === id) loadChat(panel);
  }
}

function control(id, fn) {
  const b = document.getElementById(id);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await fn(); } catch (e) { status(e.message, true); } finally { b.disabled = false; }
  });
}

function start() {
  for (const id of ["clock-hour", "clock-morning", "clock-week"]) {
    control(id, async () => {
      const res = await api("POST", "/sandbox/clock", { step: document.getElementById(id).dataset.step });
      status(res.jobs.length ? "Сработали задачи: " + res.jobs.join(", ") : "Часы переведены");
    });
  }
  control("add-client", async () => { await api("POST", "/sandbox/clients", {}); status("Клиент добавлен"); });
  control("load-demo", async () => {
    const r = await api("POST", "/sandbox/demo", {});
    status(r.already
      ? "Демо-сервис уже загружен: повторная загрузка ничего не добавляет (начать заново — «Сброс»)"
      : `Демо-сервис загружен: ${r.items} позиций каталога, ${r.orders} заказов`);
  });
  control("reset", async () => {
    if (!confirm("Сбросить базу песочницы и все чаты?")) return;
    await api("POST", "/sandbox/reset", {});
    status("Песочница сброшена");
  });
  document.addEventListener("keydown", ev => {
    if (ev.key === "Escape") for (const p of panels.values()) p.menu.classList.remove("open");
  });
  const es = new EventSource("/sandbox/events");
  es.onmessage = ev => applyState(JSON.parse(ev.data));
  es.onerror = () => status("Нет связи с сервером, переподключаюсь…", true);
  es.onopen = () => { if (document.getElementById("status").classList.contains("error")) status(""); };
}

document.addEventListener("DOMContentLoaded", start);
