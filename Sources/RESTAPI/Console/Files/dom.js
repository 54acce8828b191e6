// DOM helpers. Every value from the server reaches the page as a text node or a property assignment,
// never as markup: the console parses no HTML strings at all.

/** h('div', {class: 'x', on: {click: f}}, 'text', child…): an element; strings become text nodes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('on')) {
      throw new Error('event handlers go in props.on');  // no handler strings
    } else if (typeof value === 'boolean' || key === 'value') {
      el[key] = value;
    } else {
      el.setAttribute(key, String(value));
    }
  }
  add(el, children);
  return el;
}

/** Appends children (nested arrays flattened; null/false skipped; anything else as text). */
export function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Removes every child, then appends `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A <select> of [value, label] pairs (or plain values). */
export function select(options, props = {}) {
  const el = h('select', props);
  setOptions(el, options, props.value);
  return el;
}

export function setOptions(el, options, chosen) {
  el.replaceChildren(...options.map((o) => {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    return h('option', {value, selected: value === chosen}, label);
  }));
}

/** A labelled form field. */
export function field(label, control, hint) {
  return h('label', {class: 'field'}, h('span', null, label), control, hint ? h('small', null, hint) : null);
}

let statusTimer = 0;
/** The footer's one line of status (errors stay until replaced). */
export function status(text, isError = false) {
  const el = $('#status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  clearTimeout(statusTimer);
  if (!isError && text) statusTimer = setTimeout(() => { el.textContent = ''; }, 15000);
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Wires dragover/drop on `zone` to `onFiles(FileList-like, DataTransfer)`. */
export function dropTarget(zone, onDrop) {
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    onDrop(e.dataTransfer);
  });
}
