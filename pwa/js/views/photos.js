// Photo thumbnails with an upload progress bar per photo (listens to blob-progress from blobs.js).
import { h } from '../ui.js';
import { on } from '../bus.js';
import { getBlob } from '../blobs.js';

export function photoStrip(photos, { fromStore = false } = {}) {
  const el = h('div', { class: 'photos' });
  const bars = new Map();
  const add = (photo) => {
    const img = h('img', { alt: '现场照片', width: 96, height: 96 });
    const bar = h('progress', { max: 100, value: 0, 'aria-label': '上传进度' });
    bars.set(photo.sha256, bar);
    el.append(h('figure', { class: 'photo', dataset: { sha256: photo.sha256 } }, img, bar));
    const show = (blob) => { if (blob) { img.src = URL.createObjectURL(blob); img.onload = () => URL.revokeObjectURL(img.src); } };
    if (photo.blob || photo.thumb) show(photo.thumb || photo.blob);
    if (fromStore) {
      // Full bytes gone from the phone = applied on the server (see pruneBlob).
      getBlob(photo.sha256).then((row) => { if (!row || row.uploaded) bar.value = 100; if (row && !photo.thumb) show(row.blob); });
    }
  };
  photos.forEach(add);
  on('blob-progress', ({ sha256, sent, total }) => {
    const bar = bars.get(sha256);
    if (bar) bar.value = Math.round((sent / total) * 100);
  });
  return { el, add };
}
