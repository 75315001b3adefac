// Runs face-api's and nsfwjs's own models (tfjs, wasm backend) on a fixed 112x112 face crop and saves their
// outputs, so the Python converters can be tested against the source models without Node at test time.
// Writes tests/fixtures/faceapi-reference.json, faceapi-landmarks-reference.json and nsfwjs-reference.json.
// Usage (repo root): node training/reference/make_refs.cjs
const fs = require('node:fs');
const path = require('node:path');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const FIX = path.resolve(__dirname, '../tests/fixtures');
const MODELS = path.resolve('node_modules/@vladmandic/face-api/model');

// face-api's mobileNetV1 (src/ssdMobilenetv1/mobileNetV1.ts), fed with the params face-api itself loaded.
function ssdBackbone(x, p) {
  const pw = (t, q, s) => tf.clipByValue(tf.add(tf.conv2d(t, q.filters, s, 'same'), q.batch_norm_offset), 0, 6);
  const dw = (t, q, s) => {
    const o = tf.depthwiseConv2d(t, q.filters, s, 'same');
    const bn = tf.batchNorm(o, q.batch_norm_mean, q.batch_norm_variance, q.batch_norm_offset, q.batch_norm_scale, 0.0010000000474974513);
    return tf.clipByValue(bn, 0, 6);
  };
  let out = pw(x, p.conv_0, [2, 2]);
  for (let i = 1; i <= 13; i++) {
    const s = [2, 4, 6, 12].includes(i) ? [2, 2] : [1, 1];
    out = pw(dw(out, p[`conv_${i}`].depthwise_conv, s), p[`conv_${i}`].pointwise_conv, [1, 1]);
  }
  return out;
}

// nsfwjs's MobileNetV2, loaded by nsfwjs itself from its bundled model (no network), fed through nsfwjs.infer:
// pixels / 255, then resizeBilinear to 224x224 with alignCorners=true (nsfwjs's own preprocessing for a 112 input).
async function nsfwjsRef(rgb) {
  const nsfwjs = require('nsfwjs');
  const { MobileNetV2Model } = require('nsfwjs/models/mobilenet_v2');
  const net = await nsfwjs.load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
  const img = tf.tensor3d(Int32Array.from(rgb), [112, 112, 3], 'int32');
  const fmap = net.infer(img, 'out_relu'); // [1, 7, 7, 1280]: Conv_1 -> Conv_1_bn -> ReLU6, before the classifier
  const pooled = net.infer(img, 'flatten_1'); // the model's own 7x7 average pool of out_relu
  const probs = net.infer(img, 'dense_3');
  const at = (y, x) => Array.from(fmap.slice([0, y, x, 0], [1, 1, 1, 32]).dataSync());
  const ref = {
    source: `nsfwjs ${JSON.parse(fs.readFileSync('node_modules/nsfwjs/package.json', 'utf8')).version} MobileNetV2 (bundled model.min.js), tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`,
    input: 'face112.rgb (112x112 RGB uint8, HWC) -> nsfwjs.infer: /255, resizeBilinear to 224x224 (alignCorners=true)',
    shape: fmap.shape,
    pooled: Array.from(pooled.dataSync()),
    corner00: at(0, 0),
    corner66: at(6, 6),
    classes: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
    probabilities: Array.from(probs.dataSync()),
  };
  fs.writeFileSync(path.join(FIX, 'nsfwjs-reference.json'), `${JSON.stringify(ref)}\n`);
  console.log('nsfwjs', ref.shape, 'probabilities', ref.probabilities.map((v) => v.toFixed(4)).join(' '));
}

(async () => {
  wasm.setWasmPaths(`${path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await faceapi.nets.faceExpressionNet.loadFromDisk(MODELS);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODELS);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(MODELS);
  const rgb = fs.readFileSync(path.join(FIX, 'face112.rgb'));
  const img = tf.tensor4d(Float32Array.from(rgb), [1, 112, 112, 3]);
  const input = await faceapi.toNetInput(img);
  const expr = faceapi.nets.faceExpressionNet;
  const feats = expr.faceFeatureExtractor.forwardInput(input);
  const probs = expr.forwardInput(input);
  const ssd = ssdBackbone(tf.sub(tf.div(img, 127.5), 1), faceapi.nets.ssdMobilenetv1.params.mobilenetv1);
  const ref = {
    source: `@vladmandic/face-api ${require('@vladmandic/face-api/package.json').version}, tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`,
    input: 'face112.rgb (112x112 RGB uint8, HWC)',
    faceExpression: { features: Array.from(feats.dataSync()), probabilities: Array.from(probs.dataSync()) },
    ssdMobilenetv1: { shape: ssd.shape, pooled: Array.from(tf.mean(ssd, [1, 2]).dataSync()), corner: Array.from(ssd.slice([0, 0, 0, 0], [1, 1, 1, 32]).dataSync()) },
  };
  fs.writeFileSync(path.join(FIX, 'faceapi-reference.json'), `${JSON.stringify(ref)}\n`);
  console.log('expression probabilities', ref.faceExpression.probabilities.map((v) => v.toFixed(4)).join(' '));
  console.log('ssd backbone', ssd.shape);
  // faceLandmark68Net.forward: its 136 outputs after face-api's post-processing (x, y relative to the input).
  const lm = await faceapi.nets.faceLandmark68Net.forward(tf.tensor3d(Int32Array.from(rgb), [112, 112, 3], 'int32'));
  const lmRef = { source: ref.source, input: ref.input, relative: Array.from(lm.dataSync()) };
  fs.writeFileSync(path.join(FIX, 'faceapi-landmarks-reference.json'), `${JSON.stringify(lmRef)}\n`);
  console.log('landmarks68', lmRef.relative.slice(0, 4).map((v) => v.toFixed(4)).join(' '));
  await nsfwjsRef(rgb);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
