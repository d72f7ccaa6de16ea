// Safe rendering of Telegram's HTML subset. The bot's HTML is parsed into an inert document
// (DOMParser runs no script and loads nothing) and rebuilt node by node from a whitelist: text
// becomes text nodes, allowed tags become fresh elements without any attribute but a checked
// href, everything else keeps only its text. Bot text is never assigned to innerHTML.
"use strict";

const tgTags = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote", "tg-spoiler": "spoiler", a: "a", span: "span",
};

const dropped = new Set(["script", "style", "template", "iframe", "object", "embed", "noscript", "title", "svg", "math"]);

// safeHref allows http, https and tg links only (no javascript:, data:, ...).
function safeHref(href) {
  if (typeof href !== "string") return null;
  const h = href.trim();
  return /^(https?:\/\/|tg:\/\/)/i.test(h) ? h : null;
}

function rebuild(from, into) {
  for (const n of from.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) {
      into.appendChild(document.createTextNode(n.data));
      continue;
    }
    if (n.nodeType !== Node.ELEMENT_NODE) continue;
    if (dropped.has(n.localName)) continue; // not even their text: it is code, not a message
    const kind = tgTags[n.localName];
    let el = null;
    if (kind === "spoiler" || (kind === "span" && n.getAttribute("class") === "tg-spoiler")) {
      el = document.createElement("span");
      el.className = "spoiler";
      el.addEventListener("click", () => el.classList.add("shown"));
    } else if (kind === "a") {
      const href = safeHref(n.getAttribute("href"));
      if (href) {
        el = document.createElement("a");
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      }
    } else if (kind && kind !== "span") {
      el = document.createElement(kind);
    }
    rebuild(n, el || into);
    if (el) into.appendChild(el);
  }
}

// renderTelegramHTML returns a fragment of safe nodes for html.
function renderTelegramHTML(html) {
  const doc = new DOMParser().parseFromString("<!doctype html><body>" + html, "text/html");
  const frag = document.createDocumentFragment();
  rebuild(doc.body, frag);
  return frag;
}
