// The protobuf writer's bytes against encodings worked out by hand from the wire-format spec
// (several are the spec's own examples: 150, "testing", the nested Test1 and the packed [3, 270, 86942]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoWriter } from '../../../src/worker/onnx/protobuf';

const bytes = (build: (writer: ProtoWriter) => void) => {
  const writer = new ProtoWriter();
  build(writer);
  return Array.from(writer.finish());
};

test('varints: key (field << 3 | 0) then 7 bits a byte, low group first', () => {
  assert.deepEqual(bytes((w) => w.varint(1, 0)), [0x08, 0x00]);
  assert.deepEqual(bytes((w) => w.varint(1, 1)), [0x08, 0x01]);
  assert.deepEqual(bytes((w) => w.varint(1, 127)), [0x08, 0x7f]);
  assert.deepEqual(bytes((w) => w.varint(1, 128)), [0x08, 0x80, 0x01]);
  assert.deepEqual(bytes((w) => w.varint(1, 150)), [0x08, 0x96, 0x01]);
  assert.deepEqual(bytes((w) => w.varint(1, 300)), [0x08, 0xac, 0x02]);
  assert.deepEqual(bytes((w) => w.varint(1, 2n ** 40n)), [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  assert.deepEqual(bytes((w) => w.varint(1, 2 ** 53)), [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
});

test('a negative int64 is its 64-bit two\'s complement: ten bytes', () => {
  assert.deepEqual(bytes((w) => w.varint(1, -1)), [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual(bytes((w) => w.varint(1, -2n)), [0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual(bytes((w) => w.varint(1, -300)), [0x08, 0xd4, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
});

test('field numbers past 15 take a two-byte key', () => {
  // ONNX's AttributeProto.type is field 20: key 20·8 = 160 = 0xa0 0x01.
  assert.deepEqual(bytes((w) => w.varint(20, 7)), [0xa0, 0x01, 0x07]);
  assert.deepEqual(bytes((w) => w.varint(16, 1)), [0x80, 0x01, 0x01]);
});

test('fixed32 floats: key (field << 3 | 5) then IEEE 754 single, little-endian', () => {
  assert.deepEqual(bytes((w) => w.float(2, 1)), [0x15, 0x00, 0x00, 0x80, 0x3f]);
  assert.deepEqual(bytes((w) => w.float(1, -2.5)), [0x0d, 0x00, 0x00, 0x20, 0xc0]);
  assert.deepEqual(bytes((w) => w.float(2, 0.1)), [0x15, 0xcd, 0xcc, 0xcc, 0x3d], 'rounded to float32');
});

test('strings and bytes: key (field << 3 | 2), length, then the UTF-8 bytes', () => {
  assert.deepEqual(bytes((w) => w.string(2, 'testing')), [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  assert.deepEqual(bytes((w) => w.string(1, '')), [0x0a, 0x00]);
  assert.deepEqual(bytes((w) => w.string(4, 'é')), [0x22, 0x02, 0xc3, 0xa9], 'length in bytes, not characters');
  assert.deepEqual(bytes((w) => w.bytes(9, Uint8Array.of(1, 2, 255))), [0x4a, 0x03, 0x01, 0x02, 0xff]);
  const long = 'x'.repeat(200);
  assert.deepEqual(bytes((w) => w.string(1, long)).slice(0, 3), [0x0a, 0xc8, 0x01], 'a two-byte length');
  assert.equal(bytes((w) => w.string(1, long)).length, 203);
});

test('nested messages are length-delimited, however deep', () => {
  assert.deepEqual(bytes((w) => w.message(3, (inner) => inner.varint(1, 150))), [0x1a, 0x03, 0x08, 0x96, 0x01]);
  assert.deepEqual(
    bytes((w) => w.message(1, (a) => a.message(2, (b) => b.string(1, 'ab')).varint(3, 1))),
    [0x0a, 0x08, 0x12, 0x04, 0x0a, 0x02, 0x61, 0x62, 0x18, 0x01],
  );
  assert.deepEqual(bytes((w) => w.message(5, () => undefined)), [0x2a, 0x00], 'an empty message');
});

test('packed repeated varints: one length-delimited field of concatenated varints', () => {
  assert.deepEqual(bytes((w) => w.packedVarints(4, [3, 270, 86942])), [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  assert.deepEqual(bytes((w) => w.packedVarints(1, [])), [0x0a, 0x00]);
  assert.deepEqual(
    bytes((w) => w.packedVarints(8, [-1])),
    [0x42, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  );
});

test('fields follow each other in the order written', () => {
  assert.deepEqual(
    bytes((w) => w.varint(1, 8).string(2, 'a').float(3, 0).varint(4, 300)),
    [0x08, 0x08, 0x12, 0x01, 0x61, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x20, 0xac, 0x02],
  );
});
