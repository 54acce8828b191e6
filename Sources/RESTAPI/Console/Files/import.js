// Import: images dropped or chosen (files or a whole folder) become objects, sent in batches through
// POST /v1/batch/objects; a progress bar, and every file that failed with the server's reason.
import {api} from './api.js';
import {h, fill, select, field, status, formatBytes, dropTarget} from './dom.js';
import {state as schemaState, loadSchema, classNamed, blobProperties, textProperties, enabledModules, loadMeta} from './schema.js';

const IMAGE_NAME = /\.(jpe?g|png|gif|bmp|webp)$/i;
const s = {className: null, imageProperty: null, textProperty: '', textFrom: 'stem', spaces: true, batchSize: 16, files: []};
let ui = null;
let running = false;

/** A dropped file, or the image files of a dropped folder (recursively; hidden files left out, as `iris import` does). */
async function entryFiles(entry, prefix = '') {
  if (entry.name.startsWith('.')) return [];
  if (entry.isFile) {
    if (prefix && !IMAGE_NAME.test(entry.name)) return [];
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{file, path: prefix + entry.name}];
  }
  const reader = entry.createReader();
  const out = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) out.push(...await entryFiles(child, `${prefix}${entry.name}/`));
  }
  return out;
}

function addFiles(list) {
  for (const item of list) {
    if (item.file.name.startsWith('.')) continue;
    s.files.push(item);
  }
  renderSelection();
}

function textFor(path) {
  const name = path.split('/').pop();
  let text = s.textFrom === 'path' ? path : (s.textFrom === 'name' ? name : name.replace(/\.[^.]*$/, ''));
  if (s.spaces) text = text.replace(/[_-]+/g, ' ').trim();
  return text;
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(new Error(`could not read the file (${reader.error && reader.error.name})`));
    reader.readAsDataURL(file);
  });
}

function addError(path, message) {
  ui.errors.append(h('li', null, h('strong', null, path), `: ${message}`));
  ui.errorsBox.hidden = false;
}

async function runImport() {
  if (running) return;
  const cls = classNamed(s.className);
  if (!cls || !s.imageProperty) {
    status('Choose a collection with a blob property first.', true);
    return;
  }
  const files = s.files.slice();
  if (!files.length) return;
  running = true;
  ui.start.disabled = true;
  ui.errors.replaceChildren();
  ui.errorsBox.hidden = true;
  ui.progress.max = files.length;
  ui.progress.value = 0;
  let done = 0;
  let imported = 0;
  let failed = 0;
  const report = () => {
    ui.progress.value = done;
    ui.counts.textContent = `${done} / ${files.length} processed · ${imported} imported · ${failed} failed`;
  };
  report();
  const started = performance.now();
  for (let i = 0; i < files.length; i += s.batchSize) {
    const chunk = files.slice(i, i + s.batchSize);
    const objects = [];
    const sent = [];
    for (const item of chunk) {
      if (!IMAGE_NAME.test(item.file.name) && !item.file.type.startsWith('image/')) {
        addError(item.path, 'skipped: not an image file');
        failed += 1;
        done += 1;
        continue;
      }
      try {
        const properties = {[s.imageProperty]: await readBase64(item.file)};
        if (s.textProperty) properties[s.textProperty] = textFor(item.path);
        objects.push({class: cls.class, properties});
        sent.push(item);
      } catch (e) {
        addError(item.path, e.message);
        failed += 1;
        done += 1;
      }
    }
    if (objects.length) {
      try {
        const results = await api('POST', '/v1/batch/objects', {objects});
        sent.forEach((item, k) => {
          const errors = results && results[k] && results[k].result && results[k].result.errors;
          if (errors && errors.error && errors.error.length) {
            addError(item.path, errors.error.map((e) => e.message).join('; '));
            failed += 1;
          } else {
            imported += 1;
          }
        });
      } catch (e) {
        for (const item of sent) addError(item.path, e.message);
        failed += sent.length;
        if (e.status === 401) break;
      }
      done += sent.length;
    }
    report();
  }
  running = false;
  ui.start.disabled = false;
  s.files = [];
  renderSelection();
  ui.progress.dataset.finished = 'true';
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  status(`Imported ${imported} of ${files.length} files into ${cls.class} in ${seconds} s${failed ? `; ${failed} failed` : ''}.`, failed > 0 && imported === 0);
  fill(ui.after, imported ? h('a', {class: 'button', href: `#/search/${encodeURIComponent(cls.class)}`}, `Search ${cls.class}`) : null);
}

function renderSelection() {
  if (!ui) return;
  const bytes = s.files.reduce((n, item) => n + item.file.size, 0);
  ui.selection.textContent = s.files.length ? `${s.files.length} files selected (${formatBytes(bytes)})` : 'No files selected.';
  ui.start.disabled = running || !s.files.length;
  ui.clear.hidden = !s.files.length;
}

async function createCollection(form) {
  const name = form.name.value.trim();
  const image = form.image.value.trim() || 'image';
  const text = form.text.value.trim();
  const vectorizer = form.vectorizer.value;
  const definition = {
    class: name, vectorizer,
    properties: [{name: image, dataType: ['blob']}, ...(text ? [{name: text, dataType: ['text']}] : [])],
  };
  if (vectorizer === 'multi2vec-clip') {
    definition.moduleConfig = {'multi2vec-clip': {imageFields: [image], ...(text && form.embedText.checked ? {textFields: [text]} : {})}};
    if (text && form.embedText.checked) definition.moduleConfig['multi2vec-clip'].weights = {imageFields: [0.5], textFields: [0.5]};
  }
  try {
    const created = await api('POST', '/v1/schema', definition);
    await loadSchema();
    status(`Created ${created.class}.`);
    const target = `#/import/${encodeURIComponent(created.class)}`;
    if (location.hash === target) render(ui.root, created.class); else location.hash = target;  // the router renders
  } catch (e) {
    status(e.message, true);
  }
}

function newCollectionForm() {
  const modules = enabledModules();
  const form = h('form', {id: 'new-collection', class: 'new-collection',
    on: {submit: (e) => { e.preventDefault(); createCollection(e.target); }}},
  h('h2', null, 'New collection'),
  field('Name', h('input', {name: 'name', required: true, pattern: '[A-Z][A-Za-z0-9_]*', placeholder: 'Photo'})),
  field('Image property (blob)', h('input', {name: 'image', value: 'image'})),
  field('Text property (optional)', h('input', {name: 'text', value: 'name'})),
  field('Vectorizer', select([...(modules.includes('multi2vec-clip') ? ['multi2vec-clip'] : []), 'none'], {name: 'vectorizer'})),
  h('label', {class: 'check'}, h('input', {type: 'checkbox', name: 'embedText'}), 'also embed the text property (weights 0.5 / 0.5)'),
  h('button', {type: 'submit', class: 'primary'}, 'Create'));
  return form;
}

export async function render(root, className) {
  await Promise.all([loadSchema(), loadMeta()]);
  if (className && classNamed(className)) s.className = className;
  if (!classNamed(s.className)) s.className = (schemaState.classes.find((c) => blobProperties(c).length) || {}).class || null;
  const cls = classNamed(s.className);
  if (cls) {
    if (!blobProperties(cls).includes(s.imageProperty)) {
      const clip = cls.moduleConfig && cls.moduleConfig['multi2vec-clip'];
      s.imageProperty = ((clip && clip.imageFields) || []).find((f) => blobProperties(cls).includes(f)) || blobProperties(cls)[0] || null;
    }
    if (s.textProperty && !textProperties(cls).includes(s.textProperty)) s.textProperty = '';
    if (!s.textProperty && textProperties(cls).includes('name')) s.textProperty = 'name';
  }
  const files = h('input', {type: 'file', id: 'import-files', multiple: true, accept: 'image/*',
    on: {change: (e) => { addFiles([...e.target.files].map((file) => ({file, path: file.name}))); e.target.value = ''; }}});
  const folder = h('input', {type: 'file', id: 'import-folder', multiple: true, webkitdirectory: true,
    on: {change: (e) => {
      addFiles([...e.target.files].filter((f) => IMAGE_NAME.test(f.name)).map((file) => ({file, path: file.webkitRelativePath || file.name})));
      e.target.value = '';
    }}});
  const zone = h('div', {class: 'dropzone big', id: 'import-drop'},
    h('p', null, 'Drop images or folders here'),
    h('div', {class: 'row'}, field('Choose files', files), field('Choose a folder', folder)));
  dropTarget(zone, async (transfer) => {
    const entries = [...transfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    if (entries.length) {
      const lists = await Promise.all(entries.map((entry) => entryFiles(entry)));
      addFiles(lists.flat());
    } else {
      addFiles([...transfer.files].map((file) => ({file, path: file.name})));
    }
  });
  const start = h('button', {type: 'button', id: 'import-start', class: 'primary', disabled: true, on: {click: runImport}}, 'Import');
  const clear = h('button', {type: 'button', hidden: true, on: {click: () => { s.files = []; renderSelection(); }}}, 'Clear');
  const progress = h('progress', {id: 'import-progress', max: 1, value: 0});
  const counts = h('span', {id: 'import-counts', class: 'muted'});
  const errors = h('ul', {id: 'import-errors'});
  const errorsBox = h('section', {class: 'errors', hidden: true}, h('h3', null, 'Files that failed'), errors);
  const selection = h('p', {id: 'import-selection'});
  const after = h('div');
  ui = {root, start, clear, progress, counts, errors, errorsBox, selection, after};

  const blobs = cls ? blobProperties(cls) : [];
  const texts = cls ? textProperties(cls) : [];
  fill(root,
    h('h1', null, 'Import'),
    h('div', {class: 'import'},
      h('section', null,
        h('div', {class: 'row'},
          field('Collection', select(schemaState.classes.map((c) => c.class), {id: 'import-class', value: s.className,
            on: {change: (e) => { location.hash = `#/import/${encodeURIComponent(e.target.value)}`; }}})),
          field('Image property', select(blobs, {id: 'import-image-property', value: s.imageProperty,
            on: {change: (e) => { s.imageProperty = e.target.value; }}})),
          field('Text from file name', select([['', '(none)'], ...texts.map((t) => [t, t])], {id: 'import-text-property',
            value: s.textProperty, on: {change: (e) => { s.textProperty = e.target.value; }}})),
          field('as', select([['stem', 'name without extension'], ['name', 'file name'], ['path', 'relative path']], {
            value: s.textFrom, on: {change: (e) => { s.textFrom = e.target.value; }}})),
          h('label', {class: 'check'}, h('input', {type: 'checkbox', checked: s.spaces,
            on: {change: (e) => { s.spaces = e.target.checked; }}}), '_ and - as spaces'),
          field('Batch size', h('input', {type: 'number', min: 1, max: 200, value: String(s.batchSize),
            on: {change: (e) => { s.batchSize = Math.max(1, Math.min(200, Number(e.target.value) || 16)); }}}))),
        cls && !blobs.length ? h('p', {class: 'error'}, `${cls.class} has no blob property to hold images.`) : null,
        zone, selection, h('div', {class: 'row'}, start, clear), progress, counts, errorsBox, after),
      newCollectionForm()));
  renderSelection();
}
