/**
 * The Slack attachment colour of a host: stable per host name, never an alarming red.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Hue rotation (degrees) applied to a red host colour, as Go Dewy does. */
const RED_HUE_SHIFT = 35;

/**
 * `#RRGGBB` from the first three bytes of md5(hostname); a red result (R ≥ 0xCC, G and B ≤ 0x33,
 * which reads like a failure) is rotated 35° along the hue circle.
 */
export function hostColor(hostname: string): string {
  const [r, g, b] = createHash("md5").update(hostname).digest();
  const rgb: Rgb = r >= 0xcc && g <= 0x33 && b <= 0x33
    ? rotateHue([r, g, b], RED_HUE_SHIFT)
    : [r, g, b];
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("").toUpperCase()}`;
}

type Rgb = [number, number, number];

function rotateHue([r, g, b]: Rgb, degrees: number): Rgb {
  const [rf, gf, bf] = [r / 255, g / 255, b / 255];
  const max = Math.max(rf, gf, bf);
  const min = Math.min(rf, gf, bf);
  const l = (max + min) / 2;
  if (max === min) return [r, g, b]; // grey has no hue
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  let h = max === rf
    ? (gf - bf) / d + (gf < bf ? 6 : 0)
    : max === gf
    ? (bf - rf) / d + 2
    : (rf - gf) / d + 4;
  h = ((h * 60 + degrees) % 360) / 360;
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    const v = u < 1 / 6
      ? p + (q - p) * 6 * u
      : u < 1 / 2
      ? q
      : u < 2 / 3
      ? p + (q - p) * (2 / 3 - u) * 6
      : p;
    return Math.round(v * 255);
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)];
}
