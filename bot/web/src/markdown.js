// Renders the answer texts' small markdown subset (paragraphs, "- " lists,
// **bold**, [title](url)) as DOM nodes. Text only ever goes in via textContent /
// createTextNode, so nothing from the server or the user is parsed as HTML.

const INLINE = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/g;
const LIST_ITEM = /^[-*]\s+(.*)$/;

/** Returns the URL if it is an absolute http(s) URL, else null. */
export function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function el(doc, tag, className) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  return node;
}

function appendInline(doc, parent, text) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) parent.append(doc.createTextNode(text.slice(last, m.index)));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const strong = el(doc, "strong");
      appendInline(doc, strong, m[1]); // links may sit inside bold text
      parent.append(strong);
      continue;
    }
    const href = safeUrl(m[3]);
    if (!href) {
      parent.append(doc.createTextNode(m[2])); // unsafe scheme: keep the words, drop the link
      continue;
    }
    const a = el(doc, "a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = m[2];
    const hint = el(doc, "span", "sr-only");
    hint.textContent = " (opens in a new tab)";
    a.append(hint);
    parent.append(a);
  }
  if (last < text.length) parent.append(doc.createTextNode(text.slice(last)));
}

/** Markdown subset -> DocumentFragment of <p> and <ul> elements. */
export function renderMarkdown(text, doc = document) {
  const frag = doc.createDocumentFragment();
  const blocks = String(text).replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
  for (const block of blocks) {
    let list = null;
    let para = null;
    for (const raw of block.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      const item = LIST_ITEM.exec(line);
      if (item) {
        para = null;
        if (!list) frag.append((list = el(doc, "ul")));
        const li = el(doc, "li");
        appendInline(doc, li, item[1]);
        list.append(li);
      } else {
        list = null;
        if (para) para.append(el(doc, "br"));
        else frag.append((para = el(doc, "p")));
        appendInline(doc, para, line);
      }
    }
  }
  return frag;
}

/** Plain text of the subset, for screen-reader announcements. */
export function plainText(text) {
  return String(text)
    .replace(INLINE, (_, bold, title) => bold ?? title)
    .replace(/^\s*[-*]\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}
