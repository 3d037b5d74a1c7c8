//! Fonts: egui's bundled fonts draw Latin, Greek, Cyrillic, symbols and emoji, not Chinese,
//! Japanese or Korean. Posts in those scripts (the Text view shows them) are drawn with a CJK
//! font of the system when one is installed, added behind the bundled fonts as a fallback; the
//! app ships none of its own (one is 10–20 MB).

/// Where desktop systems keep a CJK font, with the face to use inside a collection (`.ttc`).
const CANDIDATES: &[(&str, u32)] = &[
    // Debian / Ubuntu: fonts-noto-cjk (face 2 is Simplified Chinese), fonts-wqy-*, Droid.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
    // macOS.
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    // Windows.
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simsun.ttc", 0),
];

/// The CJK font the app would use, if the system has one.
pub fn system_cjk() -> Option<&'static str> {
    CANDIDATES
        .iter()
        .map(|c| c.0)
        .find(|p| std::path::Path::new(p).is_file())
}

/// Adds the first CJK font found on the system as the last fallback of every font family.
/// Returns its path, or `None` when the system has none (CJK text then shows empty boxes).
pub fn add_system_cjk(ctx: &egui::Context) -> Option<&'static str> {
    let (path, index, bytes) = CANDIDATES
        .iter()
        .find_map(|&(path, index)| std::fs::read(path).ok().map(|b| (path, index, b)))?;
    let name = "system-cjk".to_owned();
    let mut fonts = egui::FontDefinitions::default();
    let mut data = egui::FontData::from_owned(bytes);
    data.index = index;
    fonts
        .font_data
        .insert(name.clone(), std::sync::Arc::new(data));
    for family in fonts.families.values_mut() {
        family.push(name.clone());
    }
    ctx.set_fonts(fonts);
    Some(path)
}
