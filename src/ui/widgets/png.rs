//! Writing a captured image as PNG.

use std::io::Cursor;
use std::path::Path;

use workbench_core::data::export::write_atomic;
use workbench_core::error::{Error, Result};

/// Encodes `image` as PNG and writes it to `path` atomically.
pub fn write_png(image: &egui::ColorImage, path: &Path) -> Result<()> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let rgba = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| Error::bad_file(path, "the captured image has the wrong size"))?;
    let mut png = Vec::new();
    rgba.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::bad_file(path, format!("can't encode PNG: {e}")))?;
    write_atomic(path, |w| {
        use std::io::Write;
        w.write_all(&png).map_err(|e| Error::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.png");
        let img = egui::ColorImage::new([3, 2], vec![egui::Color32::RED; 6]);
        write_png(&img, &path).unwrap();
        let back = image::open(&path).unwrap();
        assert_eq!((back.width(), back.height()), (3, 2));
    }
}
