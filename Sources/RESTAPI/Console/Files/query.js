// Query: any GraphQL query; the answer as JSON (long blob strings shortened) and the pictures it holds.
import {graphqlRaw, thumbnailImage} from './api.js';
import {h, fill, status} from './dom.js';
import {state as schemaState, loadSchema, classNamed, blobProperties, mainTextProperty, imageProperty} from './schema.js';

const BLOB_SHOWN = 120;
let text = '';

function example() {
  const cls = schemaState.classes[0];
  if (!cls) return '{\n  Get {\n  }\n}';
  const fields = [mainTextProperty(cls), imageProperty(cls)].filter(Boolean).join(' ');
  return `{\n  Get {\n    ${cls.class}(limit: 6) {\n      ${fields}\n      _additional { id }\n    }\n  }\n}`;
}

/** Every Get result object that carries a blob value: {className, id, property, base64}. */
function blobsIn(answer) {
  const out = [];
  const get = answer && answer.data && answer.data.Get;
  if (!get || typeof get !== 'object') return out;
  for (const [className, objects] of Object.entries(get)) {
    const cls = classNamed(className);
    if (!cls || !Array.isArray(objects)) continue;
    for (const object of objects) {
      if (!object || typeof object !== 'object') continue;
      for (const property of blobProperties(cls)) {
        if (typeof object[property] === 'string' && object[property]) {
          out.push({className, id: object._additional && object._additional.id, property, base64: object[property]});
        }
      }
    }
  }
  return out;
}

/** The answer with blob strings shortened, so megabytes of base64 do not bury the rest. */
function shortened(value, blobs) {
  return JSON.stringify(value, (key, v) => {
    if (typeof v === 'string' && v.length > BLOB_SHOWN && blobs.has(v)) return `${v.slice(0, 40)}… (${v.length} base64 characters)`;
    return v;
  }, 2);
}

function picture(blob) {
  if (blob.id) return thumbnailImage(blob.className, blob.id, blob.property, 256, blob.property);
  // No id selected: show the bytes of the answer itself (an <img> never runs script, whatever they hold).
  const bytes = Uint8Array.from(atob(blob.base64), (c) => c.charCodeAt(0));
  const img = h('img', {alt: blob.property});
  img.src = URL.createObjectURL(new Blob([bytes]));
  img.addEventListener('load', () => URL.revokeObjectURL(img.src), {once: true});
  return img;
}

async function run(ui) {
  text = ui.box.value;
  ui.run.disabled = true;
  const started = performance.now();
  try {
    const answer = await graphqlRaw(text);
    const blobs = blobsIn(answer);
    ui.result.textContent = shortened(answer, new Set(blobs.map((b) => b.base64)));
    fill(ui.pictures, blobs.map((b) => h('figure', {class: 'thumb-figure', dataset: {id: b.id || ''}},
      picture(b), h('figcaption', null, `${b.className}.${b.property}${b.id ? ` · ${b.id}` : ''}`))));
    const errors = answer && Array.isArray(answer.errors) ? answer.errors.length : 0;
    status(`answered in ${Math.round(performance.now() - started)} ms${errors ? ` with ${errors} error(s)` : ''}`, errors > 0);
  } catch (e) {
    ui.result.textContent = e.message;
    ui.pictures.replaceChildren();
    status(e.message, true);
  } finally {
    ui.run.disabled = false;
  }
}

export async function render(root) {
  await loadSchema();
  const box = h('textarea', {id: 'query-text', rows: 12, spellcheck: 'false', value: text || example()});
  const run_ = h('button', {type: 'button', id: 'query-run', class: 'primary'}, 'Run (Ctrl+Enter)');
  const result = h('pre', {id: 'query-result', class: 'json'});
  const pictures = h('div', {id: 'query-pictures', class: 'pictures'});
  const ui = {box, run: run_, result, pictures};
  run_.addEventListener('click', () => run(ui));
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run(ui);
    }
  });
  fill(root, h('h1', null, 'Query'), h('div', {class: 'query-view'},
    h('div', null, box, h('div', {class: 'row'}, run_, h('span', {class: 'muted'}, 'POST /v1/graphql with your key'))),
    h('div', null, pictures, result)));
}
