// node tests/js/decode_qr.cjs <raw RGBA file> <width> <height> → prints the QR's text (vendored jsQR).
const fs = require('node:fs');
const jsQR = require('../../pwa/vendor/jsqr/jsQR.js');
const [file, w, h] = process.argv.slice(2);
const code = (jsQR.default || jsQR)(new Uint8ClampedArray(fs.readFileSync(file)), Number(w), Number(h));
process.stdout.write(code ? code.data : '');
