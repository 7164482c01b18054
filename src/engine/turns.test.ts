import { describe, expect, it } from "vitest";
import { takeTurn } from "./turns.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("takeTurn", () => {
  it("runs the turns of one name one after another, in the order they were taken", async () => {
    const log: string[] = [];
    const run = async (label: string, steps: number) => {
      const end = await takeTurn("t-order");
      log.push(`${label} start`);
      for (let k = 0; k < steps; k++) await tick();
      log.push(`${label} end`);
      end();
    };
    await Promise.all([run("a", 3), run("b", 1), run("c", 2)]);
    expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("lets turns of different names overlap", async () => {
    const endA = await takeTurn("t-name-a");
    let gotB = false;
    const b = takeTurn("t-name-b").then((end) => {
      gotB = true;
      end();
    });
    await tick();
    expect(gotB).toBe(true);
    endA();
    await b;
  });

  it("a turn waits for the one before it, however long that takes", async () => {
    const endFirst = await takeTurn("t-wait");
    let second = false;
    const waiting = takeTurn("t-wait").then((end) => {
      second = true;
      end();
    });
    for (let k = 0; k < 20; k++) await tick();
    expect(second).toBe(false);
    endFirst();
    await waiting;
    expect(second).toBe(true);
  });

  it("gives up waiting when stopped, and the turns after it still wait for the ones before", async () => {
    const endFirst = await takeTurn("t-stop");
    const controller = new AbortController();
    const stopped = takeTurn("t-stop", controller.signal);
    let third = false;
    const later = takeTurn("t-stop").then((end) => {
      third = true;
      end();
    });
    controller.abort(new Error("stopped by the user"));
    await expect(stopped).rejects.toThrow("stopped by the user");
    for (let k = 0; k < 5; k++) await tick();
    expect(third).toBe(false);
    endFirst();
    await later;
    expect(third).toBe(true);
  });

  it("throws at once when already stopped", async () => {
    const controller = new AbortController();
    controller.abort(new Error("already"));
    await expect(takeTurn("t-already", controller.signal)).rejects.toThrow("already");
    // The queue is not blocked by the turn that was never taken.
    const end = await takeTurn("t-already");
    end();
  });
});
