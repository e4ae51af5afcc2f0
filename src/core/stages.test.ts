import { describe, expect, it } from "vitest";
import { ALL_STAGES_ON, firstStage, mergeSwitches, stageAfter } from "./stages.js";

describe("stages", () => {
  it("walks planning → executing → reviewing → verifying → done with everything on", () => {
    expect(firstStage(ALL_STAGES_ON)).toBe("planning");
    expect(stageAfter("planning", ALL_STAGES_ON)).toBe("executing");
    expect(stageAfter("executing", ALL_STAGES_ON)).toBe("reviewing");
    expect(stageAfter("reviewing", ALL_STAGES_ON)).toBe("verifying");
    expect(stageAfter("verifying", ALL_STAGES_ON)).toBe("done");
  });

  it("skips stages that are off; executing always runs", () => {
    const none = { planning: false, reviewing: false, verifying: false };
    expect(firstStage(none)).toBe("executing");
    expect(stageAfter("executing", none)).toBe("done");
    expect(stageAfter("executing", { ...none, verifying: true })).toBe("verifying");
  });

  it("lets a task override its project's switches", () => {
    expect(mergeSwitches(ALL_STAGES_ON, { reviewing: false })).toEqual({
      planning: true,
      reviewing: false,
      verifying: true,
    });
    expect(
      mergeSwitches({ planning: false, reviewing: false, verifying: false }, { planning: true }).planning,
    ).toBe(true);
  });
});
