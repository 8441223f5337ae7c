"use client";

import QRCode from "qrcode";
import { useMemo } from "react";

/**
 * A QR code drawn here, as SVG, from the text: the secret never goes to another site
 * (and the CSP would refuse one). Dark modules on a white quiet zone in both colour
 * schemes, since scanners expect that.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
    const parts: string[] = [];
    for (let y = 0; y < modules.size; y++) {
      for (let x = 0; x < modules.size; x++) if (modules.get(x, y)) parts.push(`M${x + 4} ${y + 4}h1v1h-1z`);
    }
    return { size: modules.size + 8, path: parts.join("") };
  }, [text]);
  return (
    <svg role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} width="200" height="200" shapeRendering="crispEdges" className="qr-code">
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
