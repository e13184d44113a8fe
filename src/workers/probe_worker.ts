/** The probe worker module (see probe.ts): runs its init's task and reports the result. */
import { type ProbeInit, runProbe } from "./probe.ts";
import { runWorker } from "./worker_runtime.ts";

runWorker<ProbeInit>((ctx) => {
  // The task runs after "ready": a timed run waits for its go word, not for setup.
  // A failure rejects unhandled, which the supervisor treats as a crash.
  runProbe(ctx.data).then((r) => {
    if (r !== null) ctx.report(r);
  });
  return {};
});
