import {
  buildEndTxnMarker,
  controlKey,
  ControlType,
  endTxnMarkerValue,
  readControlBatch,
} from "./control.ts";
import { buildBatch, validateBatch } from "./batch.ts";
import {
  assert,
  assertDecodeError,
  assertEquals,
  utf8,
} from "../../../tests/support/records_assert.ts";

Deno.test("end-transaction markers build as Kafka lays them out and parse back", () => {
  for (const type of [ControlType.Abort, ControlType.Commit] as const) {
    const bytes = buildEndTxnMarker({
      type,
      producerId: 4242,
      producerEpoch: 7,
      coordinatorEpoch: 3,
      baseOffset: 100,
      timestamp: 1_700_000_000_000,
    });
    const h = validateBatch(bytes);
    assert(h.isControl && h.isTransactional);
    assertEquals(h.producerId, 4242);
    assertEquals(h.producerEpoch, 7);
    assertEquals(h.baseSequence, -1);
    assertEquals(h.recordsCount, 1);
    assertEquals(readControlBatch(h), {
      type,
      coordinatorEpoch: 3,
      offset: 100,
      timestamp: 1_700_000_000_000,
    });
  }
  assertEquals([...controlKey(ControlType.Commit)], [0, 0, 0, 1]);
  assertEquals([...endTxnMarkerValue(258)], [0, 0, 0, 0, 1, 2]);
});

Deno.test("malformed control batches are DecodeErrors", () => {
  const data = validateBatch(buildBatch({ records: [{ key: null, value: utf8("x") }] }));
  assertDecodeError(() => readControlBatch(data), "corrupt");
  const two = validateBatch(buildBatch({
    records: [
      { key: controlKey(ControlType.Abort), value: endTxnMarkerValue(1) },
      { key: controlKey(ControlType.Abort), value: endTxnMarkerValue(1) },
    ],
    isControl: true,
    isTransactional: true,
  }));
  assertDecodeError(() => readControlBatch(two), "corrupt");
  const shortKey = validateBatch(buildBatch({
    records: [{ key: new Uint8Array(2), value: endTxnMarkerValue(1) }],
    isControl: true,
  }));
  assertDecodeError(() => readControlBatch(shortKey), "corrupt");
  const shortValue = validateBatch(buildBatch({
    records: [{ key: controlKey(ControlType.Commit), value: new Uint8Array(4) }],
    isControl: true,
  }));
  assertDecodeError(() => readControlBatch(shortValue), "corrupt");
  // KRaft control types parse their type; their values are not ours to read.
  const leaderChange = validateBatch(buildBatch({
    records: [{ key: controlKey(ControlType.LeaderChange), value: new Uint8Array(1) }],
    isControl: true,
  }));
  assertEquals(readControlBatch(leaderChange).type, ControlType.LeaderChange);
});
