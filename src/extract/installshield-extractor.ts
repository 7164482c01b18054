import type { ByteSource } from "../model/bytes.js";
import { ascii, partial, startsWith } from "./child-writer.js";
import type { Extractor, ExtractEvent } from "./extractor.js";
import { peLayout, startsAsProgram } from "./pe.js";

/**
 * InstallShield installers, recognised but not unpacked (as Inno Setup's are, see inno-setup-extractor.ts):
 *
 * - a `setup.exe` that carries its files after its image, behind the header `InstallShield` (older) or
 *   `ISSetupStream` (newer), each file's bytes scrambled with a key made from its name, so that neither
 *   the files nor an MSI or cabinet among them can be read or searched in place;
 * - an InstallShield cabinet (`data1.cab`, magic `ISc(`), with its header file `data1.hdr`: a format of
 *   its own, not Microsoft's CAB.
 *
 * Their bytes are scanned as any binary's; the coverage records the rest as not searched and names the
 * tools that unpack it.
 */

const OVERLAY_HEADERS = [ascii("InstallShield\0"), ascii("ISSetupStream\0")];
const CABINET = ascii("ISc(");

type Kind = "setup" | "cabinet";

async function installShield(head: Uint8Array, source: ByteSource): Promise<Kind | undefined> {
  if (startsWith(head, CABINET) && head.length >= 20) return "cabinet";
  const layout = peLayout(head);
  if (layout === undefined || layout.imageEnd + 16 > source.size) return undefined;
  const overlay = await source.read(layout.imageEnd, 16);
  return OVERLAY_HEADERS.some((header) => startsWith(overlay, header)) ? "setup" : undefined;
}

function describe(kind: Kind | undefined): string {
  return kind === "cabinet"
    ? "InstallShield cabinet: its files are compressed in InstallShield's own cabinet format, which custodiet " +
        "does not unpack; unpack it (with its .hdr file beside it) with unshield (unshield x data1.cab) and scan " +
        "the folder it writes"
    : "InstallShield installer: the files it carries after its program are scrambled in InstallShield's own " +
        "layout, which custodiet does not unpack, so only the setup program itself was searched; unpack them " +
        "with an InstallShield extractor such as ISx and scan the folder it writes";
}

export const installShieldExtractor = {
  name: "installshield",
  // Answered at once for what is neither a cabinet nor a Windows program: detection asks every artifact.
  detect: (head: Uint8Array, source: ByteSource) =>
    (startsWith(head, CABINET) || startsAsProgram(head)) &&
    installShield(head, source).then((kind) => kind !== undefined),
  async *extract(source: ByteSource): AsyncGenerator<ExtractEvent> {
    const head = await source.read(0, 64 * 1024);
    yield partial("unsupported", describe(await installShield(head, source)));
  },
} satisfies Extractor;
