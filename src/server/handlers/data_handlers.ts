/**
 * The handlers a reactor worker runs itself: the DataNode handlers (Produce,
 * Fetch, ListOffsets), which need only the image, the config, a DataPath and
 * a fetch-session cache, and ApiVersions, which needs only a registry to
 * advertise. Importing this module pulls in neither the Broker nor the group
 * coordinator.
 */
import type { DataNode, Handler } from "../handler.ts";
import { fetchHandler } from "./fetch.ts";
import { listOffsetsHandler } from "./list_offsets.ts";
import { produceHandler } from "./produce.ts";

export { apiVersionsHandler } from "./api_versions.ts";
export { fetchHandler, listOffsetsHandler, produceHandler };

export const dataHandlers: readonly Handler<DataNode>[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
];
