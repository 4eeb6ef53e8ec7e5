//! A tiny PNG encoder for the simulator's "renderings": enough to make real, decodable pictures
//! without an image crate.

use std::io::Write;

/// Encodes 8-bit RGB pixels (`width * height * 3` bytes) as a PNG.
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity((width as usize * 3 + 1) * height as usize);
    for row in rgb.chunks(width as usize * 3) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&raw);
    let idat = z.finish().unwrap_or_default();

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, truecolour, deflate, no filter, no interlace

    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A made-up interior "rendering": sky through a window wall, a warm floor and lit windows,
/// tinted by `seed` so that different tasks give different pictures.
pub fn rendering(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let tint = [
        (seed % 40) as i32 - 20,
        (seed / 40 % 30) as i32 - 15,
        (seed / 1200 % 40) as i32 - 20,
    ];
    let horizon = height * 62 / 100;
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (mut r, mut g, mut b) = if y < horizon {
                // Wall with a soft gradient.
                let t = y * 60 / horizon.max(1);
                (225 - t as i32 / 2, 220 - t as i32 / 2, 210 - t as i32)
            } else {
                // Oak floor with planks.
                let plank = if (x / 90 + (y / 18) % 2) % 2 == 0 {
                    0
                } else {
                    10
                };
                (170 - plank, 120 - plank, 80 - plank)
            };
            // Three tall windows with a sky gradient.
            let in_window = y > height / 10
                && y < horizon - height / 12
                && (x % (width / 3)) > width / 12
                && (x % (width / 3)) < width / 4;
            if in_window {
                let t = (y * 80 / horizon.max(1)) as i32;
                (r, g, b) = (120 + t, 170 + t / 2, 235);
            }
            rgb.extend([
                (r + tint[0]).clamp(0, 255) as u8,
                (g + tint[1]).clamp(0, 255) as u8,
                (b + tint[2]).clamp(0, 255) as u8,
            ]);
        }
    }
    encode_rgb(width, height, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_header_and_crc() {
        let png = rendering(64, 40, 7);
        assert_eq!(&png[..8], &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 64);
        assert_eq!(u32::from_be_bytes([png[20], png[21], png[22], png[23]]), 40);
        let crc = crc32fast::hash(&png[12..29]);
        assert_eq!(
            u32::from_be_bytes([png[29], png[30], png[31], png[32]]),
            crc
        );
        assert!(png.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND CRC");
        // The pixels inflate back to the right size.
        let idat_len = u32::from_be_bytes([png[33], png[34], png[35], png[36]]) as usize;
        let mut inflated = Vec::new();
        let mut z = flate2::read::ZlibDecoder::new(&png[41..41 + idat_len]);
        std::io::Read::read_to_end(&mut z, &mut inflated).expect("inflates");
        assert_eq!(inflated.len(), (64 * 3 + 1) * 40);
    }
}
