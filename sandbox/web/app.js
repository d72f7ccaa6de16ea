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

// status shows what a control did; a success clears itself after a while (an error stays until
// the next action), so "Песочница сброшена" does not read as the state forever.
let statusTimer = 0;
function status(text, isError) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.classList.toggle("error", !!isError);
  clearTimeout(statusTimer);
  if (text && !isError) statusTimer = setTimeout(() => { if (el.textContent === text) el.textContent = ""; }, 8000);
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
  const panel = { p, messages: [], menuFor: null, stick: true, replyTo: null };
  const typing = el("span", { class: "typing" });
  const list = el("div", { class: "messages", role: "log", "aria-label": "Чат: " + p.name, tabindex: "0" });
  const replykb = el("div", { class: "replykb", hidden: "" });
  const menu = el("div", { class: "menu", role: "menu", "aria-label": "Команды бота: " + p.name, id: "menu-" + p.key });
  const input = el("input", { type: "text", id: "input-" + p.key, "aria-label": "Сообщение от имени: " + p.name, placeholder: "Сообщение", autocomplete: "off" });
  const send = el("button", { type: "submit", "aria-label": "Отправить от имени: " + p.name }, "➤");
  const menuBtn = el("button", { type: "button", "aria-label": "Меню команд: " + p.name, "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": "menu-" + p.key, class: "menu-button" }, "☰");
  const form = el("form", { class: "compose" }, menuBtn, input, send);
  // A reply (Telegram's "Reply"): the staff answer a client's message by replying to its copy.
  const replyText = el("span", { class: "reply-text" });
  const replyCancel = el("button", { type: "button", class: "reply-cancel", "aria-label": "Отменить ответ" }, "✕");
  const replyBar = el("div", { class: "reply-bar", hidden: "" }, el("span", { "aria-hidden": "true" }, "↩ "), replyText, replyCancel);
  replyCancel.addEventListener("click", () => setReply(panel, null));
  if (p.role !== "group") {
    // The bot takes photos and files in private chats (a client's photo, a manager's import).
    const file = el("input", { type: "file", "aria-label": "Отправить фото или документ от имени: " + p.name + " (текст в поле сообщения станет подписью)" });
    file.addEventListener("change", () => { if (file.files[0]) sendFile(panel, file.files[0]); file.value = ""; });
    form.insertBefore(el("label", { class: "file", title: "Фото или документ (текст в поле — подпись)" }, el("span", { "aria-hidden": "true" }, "📎"), file), input);
  } else {
    panel.asSelect = el("select", { "aria-label": "Кто пишет в группе" });
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
  menuBtn.addEventListener("click", () => setMenu(panel, !menu.classList.contains("open")));
  // The menu as a menu: arrows move between commands, Escape closes it and gives focus back to ☰.
  menu.addEventListener("keydown", ev => {
    const items = [...menu.querySelectorAll("button")];
    const i = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const next = ev.key === "ArrowDown" ? (i + 1) % items.length : (i - 1 + items.length) % items.length;
      items[next]?.focus();
    } else if (ev.key === "Home" || ev.key === "End") {
      ev.preventDefault();
      items[ev.key === "Home" ? 0 : items.length - 1]?.focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      setMenu(panel, false);
      menuBtn.focus();
    }
  });
  menuBtn.addEventListener("keydown", ev => {
    if (ev.key === "ArrowDown") { ev.preventDefault(); setMenu(panel, true); }
  });
  // The chat follows new messages while it is scrolled to the bottom (the user's own scroll up
  // stops that), also when a message grows after it was drawn: a photo loading, an edit.
  // A scroll event comes a frame late: by then the chat may have grown under our own scroll to
  // the bottom, so only a scroll above where we put it is the user's.
  list.addEventListener("scroll", () => {
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) panel.stick = true;
    else if (list.scrollTop < (panel.autoTop || 0) - 1) panel.stick = false;
  });
  panel.resize = new ResizeObserver(() => { if (panel.stick) toBottom(panel); });
  panel.resize.observe(list);
  // A link to the bot with a start payload (a campaign's "записаться") opens in this chat, as
  // Telegram would open it, not on the real t.me.
  list.addEventListener("click", ev => {
    const a = ev.target.closest && ev.target.closest("a[href]");
    const payload = a && startPayload(a.getAttribute("href"));
    if (payload === null || payload === undefined || panel.p.role === "group") return;
    ev.preventDefault();
    const who = actor(panel);
    act(panel, () => api("POST", `/__sim/users/${who.user_id}/start`, payload ? { payload } : {}));
  });
  const title = el("h2", {}, p.name + " ", el("span", { class: "role" }, roleNames[p.role] + (p.phone ? " · " + p.phone : "")), typing);
  const root = el("section", { class: "persona", id: "persona-" + p.key, "data-persona": p.key, "aria-label": p.name + ", " + roleNames[p.role] }, title, list, replykb, menu, replyBar, form);
  Object.assign(panel, { root, list, replykb, menu, menuBtn, input, typing, replyBar, replyText });
  addSkipLink(p);
  panels.set(p.key, panel);
  document.getElementById("personas").append(root);
  return panel;
}

async function act(panel, fn) {
  try { await fn(); } catch (e) { status(actor(panel).name + ": " + e.message, true); }
}

// toBottom shows the newest message and remembers where that put the chat (the scroll handler).
function toBottom(panel) {
  panel.list.scrollTop = panel.list.scrollHeight;
  panel.autoTop = panel.list.scrollTop;
}

function setMenu(panel, open) {
  panel.menu.classList.toggle("open", open);
  panel.menuBtn.setAttribute("aria-expanded", open ? "true" : "false");
  if (open) panel.menu.querySelector("button")?.focus();
}

// setReply makes the next text of panel a reply to message m (null: no reply).
function setReply(panel, m) {
  panel.replyTo = m;
  panel.replyBar.hidden = !m;
  panel.replyText.textContent = m ? "Ответ на: " + (m.text || m.caption || "сообщение").slice(0, 80) : "";
  if (m) panel.input.focus();
}

// startPayload is the start payload of a link to a Telegram bot (t.me/<bot>?start=X: "X"; no
// payload: ""), or null for any other link.
function startPayload(href) {
  let u;
  try { u = new URL(href, location.href); } catch (e) { return null; }
  if (u.protocol === "tg:" && u.hostname === "resolve") return u.searchParams.get("start") || "";
  if ((u.protocol === "https:" || u.protocol === "http:") && (u.hostname === "t.me" || u.hostname === "telegram.me") && /^\/[A-Za-z0-9_]+bot$/i.test(u.pathname)) {
    return u.searchParams.get("start") || "";
  }
  return null;
}

// addSkipLink lists persona p in the page's skip links: Tab from the top reaches any chat's
// message box in two steps instead of passing every button of every chat before it.
function addSkipLink(p) {
  const nav = document.getElementById("skip");
  if (!nav) return;
  const a = el("a", { href: "#input-" + p.key, class: "skip-link" }, "К чату: " + p.name);
  a.addEventListener("click", ev => { ev.preventDefault(); document.getElementById("input-" + p.key)?.focus(); });
  nav.append(a);
}

function sendText(panel, text) {
  const who = actor(panel);
  const body = { text };
  if (panel.p.role === "group") body.chat_id = panel.p.chat_id;
  if (panel.replyTo) body.reply_to_message_id = panel.replyTo.id;
  setReply(panel, null);
  act(panel, () => api("POST", `/__sim/users/${who.user_id}/send`, body));
}

// sendFile sends a photo or a document; text typed in the message box goes with it as its
// caption, as in Telegram.
function sendFile(panel, file) {
  const who = actor(panel);
  const caption = panel.input.value.trim();
  panel.input.value = "";
  const reader = new FileReader();
  reader.onload = () => {
    const data = String(reader.result).split(",", 2)[1] || "";
    const isPhoto = /^image\/(jpeg|png|gif)$/.test(file.type);
    const route = isPhoto ? "photo" : "document";
    const body = isPhoto ? { data } : { name: file.name, data };
    if (caption) body.caption = caption;
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
  const meta = el("span", { class: "meta" }, (m.edited ? "изменено · " : "") + t.toISOString().slice(11, 16));
  if (m.from_bot) {
    meta.prepend(el("button", { type: "button", class: "reply", "aria-label": "Ответить на это сообщение", title: "Ответить (Reply)", onclick: () => setReply(panel, m) }, "↩"), " ");
  }
  box.append(meta);
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
    for (const b of row) r.append(el("button", { type: "button", onclick: () => pressReply(panel, b) }, (b.request_contact && !b.text.includes("📱") ? "📱 " : "") + b.text));
    panel.replykb.append(r);
  }
}

// renderPanel redraws only the messages that changed (an edit replaces its bubble in place), so
// a button under the pointer stays the same element.
function renderPanel(panel) {
  const list = panel.list;
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
    panel.startButton = panel.startButton || el("button", { type: "button", class: "start", "aria-label": "Запустить бота: " + who.name, onclick: () => act(panel, () => api("POST", `/__sim/users/${who.user_id}/start`, {})) }, "Запустить");
    want.push(panel.startButton);
  }
  panel.nodes = nodes;
  want.forEach((node, i) => { if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null); });
  while (list.children.length > want.length) list.lastChild.remove();
  for (const { node } of nodes.values()) panel.resize.observe(node); // a photo loading grows it
  // Tab reaches the buttons of the newest message that has some; older ones stay clickable and
  // reachable from the chat with the arrow keys' scroll, without 60 Tab stops in the history.
  const withButtons = want.filter(n => n.querySelector && n.querySelector(".inline button"));
  const live = withButtons[withButtons.length - 1];
  for (const n of withButtons) for (const b of n.querySelectorAll(".inline button")) b.tabIndex = n === live ? 0 : -1;
  for (const n of want) for (const b of (n.querySelectorAll ? n.querySelectorAll("button.reply") : [])) b.tabIndex = -1;
  renderReplyKeyboard(panel);
  if (panel.stick || !panel.scrolled) { toBottom(panel); panel.scrolled = true; panel.stick = true; }
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
  panel.menu.replaceChildren(...cmds.map(c => el("button", { type: "button", role: "menuitem", onclick: () => { setMenu(panel, false); panel.input.focus(); sendText(panel, "/" + c.command); } }, el("b", {}, "/" + c.command), c.description)));
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
  for (const [key, panel] of panels) { // a reset takes the added clients off the page
    if (personas.some(p => p.key === key)) continue;
    panel.root.remove();
    document.querySelector(`#skip a[href="#input-${key}"]`)?.remove();
    panels.delete(key);
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
    if (ev.key !== "Escape") return;
    for (const p of panels.values()) {
      if (!p.menu.classList.contains("open")) continue;
      setMenu(p, false);
      p.menuBtn.focus();
    }
  });
  const es = new EventSource("/sandbox/events");
  es.onmessage = ev => applyState(JSON.parse(ev.data));
  es.onerror = () => status("Нет связи с сервером, переподключаюсь…", true);
  es.onopen = () => { if (document.getElementById("status").classList.contains("error")) status(""); };
}

document.addEventListener("DOMContentLoaded", start);
