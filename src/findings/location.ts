import type { LocationLayer } from "../model/location.js";

/** `sdk.zip!lib/x64/face.dll`; a carved layer shows as `fw.bin@0x1a2b00!…`. */
export function formatLocation(layers: readonly LocationLayer[]): string {
  let text = "";
  layers.forEach((layer, index) => {
    if (layer.carvedAt !== undefined) text += `@0x${layer.carvedAt.toString(16)}`;
    else text += index === 0 ? layer.path : `!${layer.path}`;
  });
  return text;
}
