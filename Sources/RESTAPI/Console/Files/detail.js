// The detail panel: every property of one object as text, blob properties as pictures, references as
// links to the objects they point at, and the vector's length and first values.
import {api, thumbnailImage} from './api.js';
import {h, fill, $, formatBytes, status} from './dom.js';
import {classNamed, kindOf} from './schema.js';

const BEACON = /^weaviate:\/\/[^/]+\/(?:([A-Za-z_][A-Za-z0-9_]*)\/)?([0-9a-fA-F-]{36})$/;

function closeDetail() {
  const panel = $('#detail');
  panel.hidden = true;
  panel.replaceChildren();
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('#detail').hidden) closeDetail();
});

function referenceLinks(value) {
  const items = Array.isArray(value) ? value : [];
  if (!items.length) return h('span', {class: 'muted'}, 'no references');
  return h('ul', {class: 'refs'}, items.map((item) => {
    const match = BEACON.exec(String(item && item.beacon));
    if (!match) return h('li', null, JSON.stringify(item));
    const [, className, id] = match;
    return h('li', null, h('a', {href: '#', class: 'ref', dataset: {id},
      on: {click: (e) => { e.preventDefault(); openDetail(className || null, id); }}},
    className ? `${className} / ${id}` : id));
  }));
}

function valueCell(object, name, kind, value) {
  if (value === null || value === undefined) return h('span', {class: 'muted'}, '—');
  if (kind === 'blob' && typeof value === 'string') {
    return h('div', {class: 'blob'}, thumbnailImage(object.class, object.id, name, 512, name),
      h('small', {class: 'muted'}, `blob · ${formatBytes(Math.floor(value.length * 3 / 4))}`));
  }
  if (kind === 'reference') return referenceLinks(value);
  if (kind === 'geoCoordinates' && typeof value === 'object') return `${value.latitude}, ${value.longitude}`;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) {
    return h('ul', {class: 'values'}, value.map((v) => h('li', null, String(v))));
  }
  if (typeof value === 'object') return h('pre', null, JSON.stringify(value, null, 2));
  return h('span', {class: 'value'}, String(value));
}

export async function openDetail(className, id) {
  const panel = $('#detail');
  panel.hidden = false;
  fill(panel, h('p', {class: 'muted'}, 'Loading…'));
  const e = encodeURIComponent;
  let object;
  try {
    object = await api('GET', className ? `/v1/objects/${e(className)}/${e(id)}?include=vector` : `/v1/objects/${e(id)}?include=vector`);
  } catch (error) {
    fill(panel, h('button', {type: 'button', class: 'close', 'aria-label': 'Close', on: {click: closeDetail}}, '×'),
      h('p', {class: 'error'}, error.status === 404 ? `No object ${id}.` : error.message));
    return;
  }
  const cls = classNamed(object.class);
  const properties = object.properties || {};
  const schemaNames = ((cls && cls.properties) || []).map((p) => p.name);
  const names = [...schemaNames.filter((n) => n in properties), ...Object.keys(properties).filter((n) => !schemaNames.includes(n))];
  const kindOfName = (n) => {
    const p = ((cls && cls.properties) || []).find((q) => q.name === n);
    return p ? kindOf(p) : 'unknown';
  };
  const vector = Array.isArray(object.vector) ? object.vector : [];
  fill(panel,
    h('header', null,
      h('h2', null, object.class),
      h('button', {type: 'button', class: 'close', 'aria-label': 'Close', on: {click: closeDetail}}, '×')),
    h('p', {class: 'mono', id: 'detail-id'}, object.id),
    h('button', {type: 'button', id: 'detail-like', class: 'primary', on: {click: () => {
      window.dispatchEvent(new CustomEvent('iris:more-like-this', {detail: {className: object.class, id: object.id}}));
    }}}, 'More like this'),
    h('table', {class: 'detail-props'}, h('tbody', null, names.map((n) => h('tr', {dataset: {property: n}},
      h('th', null, n, h('small', {class: 'muted'}, kindOfName(n))),
      h('td', null, valueCell(object, n, kindOfName(n), properties[n])))))),
    h('section', {class: 'vector', id: 'detail-vector'},
      h('h3', null, 'Vector'),
      vector.length
        ? [h('p', null, `${vector.length} dimensions`),
          h('p', {class: 'mono'}, `[${vector.slice(0, 8).map((v) => v.toFixed(5)).join(', ')}${vector.length > 8 ? ', …' : ''}]`)]
        : h('p', {class: 'muted'}, 'no vector')),
    h('p', {class: 'muted'},
      `created ${new Date(object.creationTimeUnix).toISOString()} · updated ${new Date(object.lastUpdateTimeUnix).toISOString()}`));
  status(`${object.class} ${object.id}`);
}
