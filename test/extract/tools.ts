import { hasTool } from "../../scripts/build-fixtures.mjs";

/** The Debian tools the fixture builder uses to write real images (`.ci/run` installs them). */
export const FIXTURE_TOOLS = [
  ["lz4", "lz4"],
  ["lzop", "lzop"],
  ["zstd", "zstd"],
  ["pzstd", "zstd"],
  ["mksquashfs", "squashfs-tools"],
  ["genisoimage", "genisoimage"],
  ["mkfs.vfat", "dosfstools"],
  ["mcopy", "mtools"],
  ["gcab", "gcab"],
  ["makensis", "nsis"],
  ["wixl", "wixl"],
  ["rpmbuild", "rpm"],
  ["ubinize", "mtd-utils"],
  ["mkfs.ubifs", "mtd-utils"],
  ["mkfs.jffs2", "mtd-utils"],
  ["sumtool", "mtd-utils"],
  ["xz", "xz-utils"],
  ["mkfs.ext4", "e2fsprogs"],
  ["mkfs.cramfs", "util-linux"],
  ["qemu-img", "qemu-utils"],
  ["mkntfs", "ntfs-3g"],
  ["ntfscp", "ntfs-3g"],
  ["compress", "ncompress"],
  ["mkfs.erofs", "erofs-utils"],
  ["mkapfs", "apfsprogs"],
] as const;

export const missingTools = FIXTURE_TOOLS.filter(([tool]) => !hasTool(tool));

/**
 * On a developer's machine without the tools, the tests that need their fixtures are skipped with a
 * note; in CI (CI is set) they run and fail loudly if a tool is missing.
 */
export const skipWithoutTools = missingTools.length > 0 && process.env.CI === undefined;

if (skipWithoutTools) {
  const packages = [...new Set(missingTools.map(([, pkg]) => pkg))].join(" ");
  console.warn(
    `custodiet: container fixture tests skipped, tools missing: ${missingTools.map(([tool]) => tool).join(", ")}. ` +
      `Install them with: apt-get install -y ${packages}`,
  );
}
