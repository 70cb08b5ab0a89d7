// Website chat widget for the metastasis education assistant.
// Talks to Rasa's socket.io channel (WebSocket, with long-polling as the start and
// the fallback), keeps the conversation in localStorage, and renders every server
// string as text, never as HTML.
import { io } from "socket.io-client";
import css from "./widget.css";
import { plainText, renderMarkdown, safeUrl } from "./markdown.js";

const DEFAULT_NOTICE =
  "This information is educational only and is not medical advice. " +
  "Please talk with your care team about your own situation.";
// The emergency line per region, from data/helplines.yml (bot/web/build.mjs puts it here).
// eslint-disable-next-line no-undef
const BANNERS = __HELPLINE_BANNERS__;
const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const REPLY_TIMEOUT_MS = 30000;
const MAX_TURNS = 200;
const OFFLINE_TEXT = "You're offline — we'll send your message when you're back.";
const UNREACHABLE_TEXT =
  "Can't reach the assistant right now — we'll send your message when the connection is back.";

// ---------------------------------------------------------------- config

function readConfig(script) {
  const page = (window.MetastasisChat && typeof window.MetastasisChat === "object" && window.MetastasisChat) || {};
  const data = (script && script.dataset) || {};
  const pick = (key, fallback) => {
    const value = data[key] ?? page[key];
    return value === undefined || value === null ? fallback : String(value);
  };
  const fallbackServer = `${location.protocol === "https:" ? "https:" : "http:"}//${location.hostname || "localhost"}:5005`;
  const server = new URL(safeUrl(pick("server", "")) || fallbackServer);
  const prefix = server.pathname.replace(/\/+$/, "");
  return {
    origin: server.origin,
    socketPath: pick("socketPath", `${prefix}/socket.io`),
    title: pick("title", "Questions about cancer spread"),
    subtitle: pick("subtitle", "Educational information, not medical advice"),
    launcherLabel: pick("launcherLabel", "Ask about cancer spread"),
    greeting: pick("greeting", "/greet"), // sent silently on a brand-new session
    // data-region fixes the help lines; without it the widget follows the server's
    // BOT_REGION, which each reply's meta carries.
    region: hasOwn(BANNERS, pick("region", "")) ? pick("region", "") : "",
    emergencyText: pick("emergencyText", ""),
    notice: pick("notice", DEFAULT_NOTICE),
    lang: pick("lang", "en"),
    color: pick("color", ""),
    storageKey: pick("storageKey", "metastasis-chat"),
  };
}

// The emergency line: the page's own text, else the region's, else the international one.
function bannerFor(cfg, region) {
  return cfg.emergencyText || BANNERS[region] || BANNERS.international;
}

// Picks text colours for the brand colour so any clinic colour keeps AA contrast.
function brandColours(hex) {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const full = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
  const channel = (i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  const onWhite = 1.05 / (lum + 0.05);
  const onDark = (lum + 0.05) / (0.0118 + 0.05); // against #1a1a1a
  return {
    brand: `#${full}`,
    onBrand: onWhite >= onDark ? "#ffffff" : "#1a1a1a",
    brandText: onWhite >= 4.5 ? `#${full}` : "#1a1a1a",
  };
}

// ---------------------------------------------------------------- small DOM helpers

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

const ICON_PATHS = {
  chat: "M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z",
  close: "M6 6l12 12M18 6L6 18",
  send: "M4 12l16-8-6 16-2-7-8-1z",
  restart: "M4 4v6h6M5 15a8 8 0 1 0 2-9l-3 4",
  info: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7.5v.5",
  warning: "M12 3l10 18H2L12 3zM12 10v5M12 18v.5",
};

function icon(name, size = 20) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICON_PATHS[name]);
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}

function newSessionId() {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function splitNotice(text, candidates) {
  const trimmed = text.trim();
  for (const notice of candidates) {
    const n = typeof notice === "string" ? notice.trim() : "";
    if (n && trimmed.endsWith(n)) return { body: trimmed.slice(0, -n.length).trim(), notice: n };
  }
  return { body: trimmed, notice: null };
}

function normaliseButtons(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string" && b.title.trim())
    .slice(0, 8)
    .map((b) => ({ title: b.title.trim(), payload: b.payload }));
}

// ---------------------------------------------------------------- the widget

function createWidget(cfg) {
  // ---- persisted state: { server, sessionId, open, turns: [...] }
  //   user turn: { role: "user", text, payload, queued }
  //   bot turn:  { role: "bot", urgency, parts: [markdown], notice, buttons }
  const load = () => {
    try {
      const saved = JSON.parse(localStorage.getItem(cfg.storageKey));
      if (saved && saved.server === cfg.origin && typeof saved.sessionId === "string" && Array.isArray(saved.turns)) {
        return saved;
      }
    } catch {
      /* storage blocked or corrupt: start fresh */
    }
    return { server: cfg.origin, sessionId: newSessionId(), open: false, turns: [] };
  };
  const save = () => {
    state.turns = state.turns.slice(-MAX_TURNS);
    try {
      localStorage.setItem(cfg.storageKey, JSON.stringify(state));
    } catch {
      /* private mode: the chat still works, it just won't survive a reload */
    }
  };
  let state = load();

  // ---- DOM
  const host = h("div", { id: "metastasis-chat-widget", lang: cfg.lang });
  const shadow = host.attachShadow({ mode: "open" });
  const colours = brandColours(cfg.color);
  const vars = colours
    ? `:host{--brand:${colours.brand};--on-brand:${colours.onBrand};--brand-text:${colours.brandText}}`
    : "";
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet(); // not an inline <style>, so strict page CSPs allow it
    sheet.replaceSync(css + vars);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(h("style", { text: css + vars }));
  }

  const views = new WeakMap(); // turn -> its DOM nodes (kept out of the saved state)
  const list = h("ol", { class: "turns" });
  const typing = h(
    "div",
    { class: "typing", hidden: true },
    h("span", { class: "dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
    h("span", { text: "The assistant is writing…" })
  );
  const transcript = h("div", { class: "transcript", role: "region", "aria-label": "Conversation", tabindex: "0" }, list, typing);
  const status = h("p", { class: "status", role: "status" });
  const live = h("div", { class: "sr-only", "aria-live": "polite" });
  const input = h("textarea", {
    id: "mc-input",
    rows: "1",
    maxlength: "2000",
    placeholder: "Type your question…",
    autocomplete: "off",
    "aria-describedby": "mc-privacy",
    onkeydown: (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    },
    oninput: () => autosize(),
  });
  const form = h(
    "form",
    {
      onsubmit: (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) return input.focus();
        input.value = "";
        autosize();
        send(text);
      },
    },
    h("label", { for: "mc-input", class: "sr-only", text: "Your question" }),
    input,
    h("button", { type: "submit" }, icon("send", 18), h("span", { text: "Send" }))
  );
  const confirmYes = h("button", { type: "button", class: "primary", text: "Yes, start over", onclick: () => startOver() });
  const confirmBox = h(
    "div",
    { class: "confirm", hidden: true, role: "group", "aria-labelledby": "mc-confirm-text" },
    h("p", { id: "mc-confirm-text", text: "Start a new conversation? The messages on this device will be cleared." }),
    h("div", { class: "actions" }, confirmYes, h("button", { type: "button", text: "Cancel", onclick: () => hideConfirm() }))
  );
  const startOverButton = h("button", { type: "button", class: "start-over", onclick: () => showConfirm() }, icon("restart", 18), h("span", { text: "Start over" }));
  const emergencyLine = h("p", { id: "mc-emergency", class: "emergency-line", text: bannerFor(cfg, cfg.region) });
  const panel = h(
    "div",
    { id: "mc-panel", class: "panel", role: "dialog", "aria-labelledby": "mc-title", "aria-describedby": "mc-subtitle mc-emergency", hidden: true },
    h(
      "div",
      { class: "head" },
      h("div", { class: "titles" }, h("h2", { id: "mc-title", text: cfg.title }), h("p", { id: "mc-subtitle", text: cfg.subtitle })),
      h("button", { type: "button", class: "close", "aria-label": "Close chat", onclick: () => close() }, icon("close", 22))
    ),
    emergencyLine,
    status,
    transcript,
    form,
    confirmBox, // next to the Start over button that opens it
    h(
      "div",
      { class: "foot" },
      h("p", { id: "mc-privacy", text: "Please don't share names or contact details. This chat is saved in this browser." }),
      startOverButton
    )
  );
  const badge = h("span", { class: "badge", hidden: true }, h("span", { class: "sr-only", text: "(new reply)" }));
  const launcher = h(
    "button",
    { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "mc-panel", onclick: () => (panel.hidden ? open() : close()) },
    icon("chat", 22),
    h("span", { text: cfg.launcherLabel }),
    badge
  );
  const root = h("div", { class: "root", lang: cfg.lang }, panel, launcher, live);
  // Same query as the CSS: there the panel covers the page, so it acts as a modal.
  const fullScreen = window.matchMedia("(max-width: 30rem), (max-height: 34rem)");
  const syncModal = () => panel.setAttribute("aria-modal", String(fullScreen.matches));
  fullScreen.addEventListener?.("change", syncModal);
  syncModal();
  root.addEventListener("keydown", (e) => {
    if (panel.hidden) return;
    if (e.key === "Escape") {
      e.preventDefault();
      if (!confirmBox.hidden) hideConfirm();
      else close();
    } else if (e.key === "Tab" && fullScreen.matches) {
      // Keep Tab inside the full-screen panel instead of the hidden page behind it.
      const items = [...panel.querySelectorAll("button, a[href], textarea, [tabindex='0']")].filter(
        (el) => el.getClientRects().length
      );
      const edge = e.shiftKey ? items[0] : items[items.length - 1];
      if (shadow.activeElement === edge) {
        e.preventDefault();
        (e.shiftKey ? items[items.length - 1] : items[0]).focus();
      }
    }
  });
  shadow.append(root);

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 4, 128)}px`;
  }

  // ---- rendering

  function renderUser(turn) {
    const pending = turn.queued ? h("span", { class: "pending", text: "Waiting to send" }) : null;
    const li = h(
      "li",
      { class: "turn user" },
      h("div", { class: "bubble" }, h("span", { class: "sr-only", text: "You said: " }), document.createTextNode(turn.text)),
      pending
    );
    views.set(turn, { li, pending });
    return li;
  }

  function renderBot(turn, liveTurn) {
    const urgent = turn.urgency === "emergency" || turn.urgency === "crisis";
    const body = h("div", { class: "body" });
    for (const part of turn.parts) body.append(renderMarkdown(part));
    const noticeText = h("span", { text: turn.notice || "" });
    const notice = h("p", { class: "notice", hidden: !turn.notice }, icon("info", 16), noticeText);
    const bubble = h(
      "div",
      // role=alert only for replies arriving now, so a page reload doesn't re-alarm.
      { class: "bubble", role: urgent && liveTurn ? "alert" : null },
      urgent ? h("p", { class: "urgent-label" }, icon("warning", 20), h("span", { text: "Urgent" })) : null,
      h("span", { class: "sr-only", text: "The assistant said: " }),
      body,
      notice
    );
    const li = h("li", { class: `turn bot${urgent ? ` urgent ${turn.urgency}` : ""}` }, bubble);
    views.set(turn, { li, body, notice, noticeText });
    return li;
  }

  function renderQuickReplies(turn) {
    const view = views.get(turn);
    if (!view || !turn.buttons.length) return;
    view.replies?.remove();
    view.replies = h(
      "div",
      { class: "quick-replies", role: "group", "aria-label": "Suggested replies" },
      ...turn.buttons.map((b) =>
        h("button", {
          type: "button",
          text: b.title,
          onclick: () => {
            send(b.payload, b.title);
            input.focus(); // the buttons go away; keep the keyboard user in the chat
          },
        })
      )
    );
    view.li.append(view.replies);
  }

  function renderAll() {
    list.replaceChildren(...state.turns.map((t) => (t.role === "user" ? renderUser(t) : renderBot(t, false))));
    const last = state.turns[state.turns.length - 1];
    if (last && last.role === "bot") renderQuickReplies(last);
  }

  function scrollToBottom() {
    transcript.scrollTop = transcript.scrollHeight;
  }

  // Long answers: show their start (with the question, if it fits) rather than the end.
  function keepInView(li) {
    if (li.offsetHeight <= transcript.clientHeight - 24) return scrollToBottom();
    const question = li.previousElementSibling;
    const near = question && li.offsetTop - question.offsetTop < transcript.clientHeight / 3;
    transcript.scrollTop = (near ? question : li).offsetTop - 12;
  }

  function announce(text) {
    live.textContent = "";
    setTimeout(() => (live.textContent = text), 60); // cleared first so a repeat is re-read
  }

  // ---- connection

  let socket = null;
  let confirmed = false;
  let everConnected = false;
  let currentBot = null; // bot turn receiving parts
  let pendingMeta = null; // meta of the answer about to arrive
  let notices = [cfg.notice, DEFAULT_NOTICE]; // texts to split off the current reply
  let settleTimer = null;
  let replyTimer = null;
  let lastPayload = null;
  let note = null;
  let slowStart = false; // connecting for more than 2 s
  let failures = 0; // failed connection attempts since the last success

  let leaving = false; // the page is being unloaded: nothing more may be sent from it
  const isOnline = () => !leaving && confirmed && socket && socket.connected && navigator.onLine !== false;

  function updateStatus() {
    let text = "";
    if (socket && !isOnline()) {
      if (navigator.onLine === false) text = OFFLINE_TEXT;
      else if (everConnected || failures >= 2) text = UNREACHABLE_TEXT;
      else if (slowStart) text = "Connecting to the assistant…";
    }
    if (status.textContent !== text) status.textContent = text;
  }

  function connect() {
    if (socket) return;
    // socket.io's normal upgrade: polling first, then WebSocket. Every reconnect starts
    // the same way, so where a WebSocket cannot be opened the widget stays on polling.
    socket = io(cfg.origin, {
      path: cfg.socketPath,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 4000,
      timeout: 10000,
    });
    // Only say "connecting" if it takes a while, so a fast start stays quiet.
    setTimeout(() => {
      slowStart = true;
      updateStatus();
    }, 2000);
    socket.on("connect", () => {
      confirmed = false;
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", (id) => {
      const sessionId = typeof id === "string" ? id : id && id.session_id;
      if (sessionId && sessionId !== state.sessionId) state.sessionId = sessionId;
      confirmed = true;
      everConnected = true;
      failures = 0;
      updateStatus();
      if (!state.turns.length && cfg.greeting) emit(cfg.greeting);
      flushQueue();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", (reason) => {
      confirmed = false;
      if (reason !== "io client disconnect") updateStatus(); // not for Start over
    });
    socket.on("connect_error", () => {
      failures += 1;
      updateStatus();
    });
  }

  function emit(payload) {
    lastPayload = payload;
    // metadata.reply_meta asks the actions for the meta message (urgency, notice)
    // that clients which do not know it never get.
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId, metadata: { reply_meta: true } });
    typing.hidden = false;
    scrollToBottom();
    clearTimeout(replyTimer);
    replyTimer = setTimeout(noReply, REPLY_TIMEOUT_MS);
  }

  function flushQueue() {
    if (!isOnline()) return;
    for (const turn of state.turns) {
      if (!turn.queued) continue;
      turn.queued = false;
      views.get(turn)?.pending?.remove();
      emit(turn.payload);
    }
    save();
  }

  function noReply() {
    typing.hidden = true;
    dismissNote();
    note = h(
      "li",
      { class: "turn note" },
      h("p", { text: "No answer yet. The assistant may be busy, or the connection may be slow." }),
      h("button", {
        type: "button",
        class: "retry",
        text: "Send again",
        onclick: () => {
          dismissNote();
          if (isOnline() && lastPayload) emit(lastPayload);
          input.focus();
        },
      })
    );
    list.append(note);
    scrollToBottom();
    announce("No answer yet. You can send your message again.");
  }

  function dismissNote() {
    note?.remove();
    note = null;
  }

  // ---- messages

  function send(payload, shown = payload) {
    payload = payload.trim();
    if (!payload) return;
    hideConfirm(false);
    dismissNote();
    currentBot = null;
    pendingMeta = null;
    shadow.querySelectorAll(".quick-replies").forEach((el) => el.remove());
    const turn = { role: "user", text: shown, payload, queued: !isOnline() };
    state.turns.push(turn);
    list.append(renderUser(turn));
    save();
    scrollToBottom();
    if (turn.queued) {
      connect();
      updateStatus();
    } else {
      emit(payload);
    }
  }

  function onBotMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.meta && typeof msg.meta === "object") {
      // Sent just before an answer's text: it starts a new reply bubble.
      pendingMeta = msg.meta;
      if (!cfg.region && !cfg.emergencyText && hasOwn(BANNERS, String(msg.meta.region))) {
        emergencyLine.textContent = BANNERS[msg.meta.region];
      }
      if (currentBot && (currentBot.parts.length || currentBot.notice)) currentBot = null;
      return;
    }
    const text = typeof msg.text === "string" ? msg.text : "";
    const buttons = normaliseButtons(msg.quick_replies || msg.buttons);
    if (!text.trim() && !buttons.length) return; // images etc. are not part of this bot

    clearTimeout(replyTimer);
    typing.hidden = true;
    dismissNote();
    let fresh = false;
    if (!currentBot) {
      const urgency = pendingMeta && ["emergency", "crisis"].includes(pendingMeta.urgency) ? pendingMeta.urgency : null;
      currentBot = { role: "bot", urgency, parts: [], notice: null, buttons: [] };
      notices = [pendingMeta && pendingMeta.notice, cfg.notice, DEFAULT_NOTICE];
      pendingMeta = null;
      state.turns.push(currentBot);
      list.append(renderBot(currentBot, true));
      fresh = true;
    }
    const turn = currentBot;
    const view = views.get(turn);
    if (text.trim()) {
      const { body, notice } = splitNotice(text, notices);
      if (body) {
        turn.parts.push(body);
        view.body.append(renderMarkdown(body));
      }
      if (notice) {
        turn.notice = notice;
        view.noticeText.textContent = notice;
        view.notice.hidden = false;
      }
    }
    if (buttons.length) {
      turn.buttons = buttons;
      renderQuickReplies(turn);
    }
    save();
    keepInView(view.li);
    // Safety first: an urgent reply opens the chat even if it was closed.
    if (fresh && turn.urgency && panel.hidden) open(false);
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => settled(turn), 500);
  }

  // Parts of one reply arrive within milliseconds; announce the reply once, whole.
  function settled(turn) {
    if (panel.hidden) badge.hidden = false;
    if (turn.urgency) return; // its role=alert bubble is announced by itself
    let text = `The assistant said: ${turn.parts.map(plainText).join(" ")}`;
    if (turn.buttons.length) text += ` Suggested replies: ${turn.buttons.map((b) => b.title).join(", ")}.`;
    announce(text);
  }

  // ---- controls

  function open(focusInput = true) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    badge.hidden = true;
    state.open = true;
    save();
    connect();
    scrollToBottom();
    if (focusInput) input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function showConfirm() {
    confirmBox.hidden = false;
    confirmYes.focus();
  }

  function hideConfirm(refocus = true) {
    if (confirmBox.hidden) return;
    confirmBox.hidden = true;
    if (refocus) startOverButton.focus();
  }

  function startOver() {
    confirmBox.hidden = true;
    clearTimeout(replyTimer);
    clearTimeout(settleTimer);
    dismissNote();
    typing.hidden = true;
    currentBot = null;
    pendingMeta = null;
    state = { server: cfg.origin, sessionId: newSessionId(), open: true, turns: [] };
    save();
    list.replaceChildren();
    announce("Started a new conversation.");
    // A fresh socket connection joins only the new session's room; "connect" then
    // sends session_request with the new id and the greeting follows.
    if (socket) {
      confirmed = false;
      socket.disconnect().connect();
    } else {
      connect();
    }
    input.focus();
  }

  // A page on its way out must not send what is queued: the reply could never be shown
  // here, and the next page sends it itself (as queued). Back from the back-forward cache,
  // it connects again.
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (socket) socket.disconnect();
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    leaving = false;
    if (socket) socket.connect();
  });
  window.addEventListener("offline", updateStatus);
  window.addEventListener("online", () => {
    if (socket && !socket.connected) socket.connect();
    updateStatus();
    flushQueue();
  });

  // ---- start
  renderAll();
  document.body.append(host);
  if (state.open) open(false);
  else if (state.turns.some((t) => t.queued)) connect();

  return { open: () => open(true), close, startOver };
}

// One script tag (or a second copy of it) must only ever create one widget.
if (!window.MetastasisChatWidget) {
  const script = document.currentScript;
  const start = () => {
    window.MetastasisChatWidget = createWidget(readConfig(script));
  };
  window.MetastasisChatWidget = { pending: true };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
}
