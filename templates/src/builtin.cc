// The built-in templates are built in code rather than written as thirty JSON layouts: each
// look (a Style) is laid out by one of three arrangements chosen by the format's shape, so a
// fix to the arrangement fixes every format at once. GET /api/v1/templates/{id} serves their
// JSON form, which an editor may copy and PUT under a new id.
#include "templates/builtin.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

namespace vitrine {
namespace {

constexpr std::string_view kDejaVu = "/usr/share/fonts/truetype/dejavu/";
constexpr std::string_view kLiberation = "/usr/share/fonts/truetype/liberation2/";

std::string Font(std::string_view folder, std::string_view file) {
  return std::string(folder) + std::string(file);
}

// How one template looks; the arrangements below decide where things go.
struct Style {
  std::string id;
  std::string name;
  std::string description;
  std::string background;  // the canvas
  std::string band;        // the header band behind the logo; empty: none
  std::string band_text;   // the validity in the band
  std::string footer;      // the band behind the legal text; empty: none
  std::string title_color;
  std::string brand_color;
  std::string price_color;
  std::string price_secondary;  // the struck-through reference price
  std::string price_plate;      // a plate behind the price; empty: none
  std::string effective_color;  // "soit 2,33 € l'unité"; empty: price_color
  std::string detail_color;     // quantity, unit price
  std::string legal_color;
  std::string plate;  // a card behind the packshot; empty: none
  std::string badge_fill;
  std::string badge_color;
  std::string rule;  // a thin line under the header when there is no band
  bool title_uppercase = false;
  double badge_rotation = 0;
  BadgeShape default_shape = BadgeShape::kCircle;
  std::map<std::string, BadgeShape> shapes;
};

// A rectangle of the canvas (the format's safe area) that fractions are taken of.
struct Frame {
  double x, y, w, h;
  PixelBox Box(double fx, double fy, double fw, double fh) const {
    const int left = static_cast<int>(std::lround(x + fx * w));
    const int top = static_cast<int>(std::lround(y + fy * h));
    return {left, top, static_cast<int>(std::lround(x + (fx + fw) * w)) - left,
            static_cast<int>(std::lround(y + (fy + fh) * h)) - top};
  }
};

// Sizes that fill `lines` lines of a box of height `h` at most, down to `min_ratio` of that.
SizeRange Sizes(int h, int lines, double min_ratio, double floor_px = 7) {
  const double max = std::max(floor_px, std::floor(h / (lines * 1.22)));
  return {std::min(max, std::max(floor_px, std::floor(max * min_ratio))), max};
}

Layer Rect(std::string name, PixelBox box, std::string fill, double radius = 0) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::kRect;
  l.box = box;
  l.fill = std::move(fill);
  l.radius = radius;
  return l;
}

Layer Image(std::string name, PixelBox box, std::string source) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::kImage;
  l.box = box;
  l.source = std::move(source);
  l.trim = source != "logo";
  l.white_to_transparent = l.trim;
  return l;
}

// A text layer's look, set field by field: TextStyle().SetFont("headline").SetLines(2).
struct TextStyle {
  std::string font = "body";
  std::string color = "$text";
  HorizontalAlign align = HorizontalAlign::kLeft;
  VerticalAlign valign = VerticalAlign::kTop;
  int lines = 1;
  double min_ratio = 0.6;
  double floor_px = 7;
  bool ellipsize = false;
  bool uppercase = false;
  std::string when;

  TextStyle& SetFont(std::string v) { return font = std::move(v), *this; }
  TextStyle& SetColor(std::string v) { return color = std::move(v), *this; }
  TextStyle& SetAlign(HorizontalAlign v) { return align = v, *this; }
  TextStyle& SetValign(VerticalAlign v) { return valign = v, *this; }
  TextStyle& SetLines(int v) { return lines = v, *this; }
  TextStyle& SetMinRatio(double v) { return min_ratio = v, *this; }
  TextStyle& SetFloorPx(double v) { return floor_px = v, *this; }
  TextStyle& SetEllipsize(bool v) { return ellipsize = v, *this; }
  TextStyle& SetUppercase(bool v) { return uppercase = v, *this; }
  TextStyle& SetWhen(std::string v) { return when = std::move(v), *this; }
};

Layer Text(std::string name, PixelBox box, std::string text, const TextStyle& s,
           LayerKind kind = LayerKind::kText) {
  Layer l;
  l.name = std::move(name);
  l.kind = kind;
  l.box = box;
  l.text = std::move(text);
  l.font = s.font;
  l.color = s.color;
  l.align = s.align;
  l.valign = s.valign;
  l.max_lines = s.lines;
  l.size = Sizes(box.height, s.lines, s.min_ratio, s.floor_px);
  l.ellipsize = s.ellipsize;
  l.uppercase = s.uppercase;
  l.when = s.when;
  return l;
}

Layer Price(const Style& style, PixelBox box, HorizontalAlign align) {
  Layer l;
  l.name = "price";
  l.kind = LayerKind::kPrice;
  l.box = box;
  l.font = "price";
  l.color = style.price_color;
  l.secondary_color = style.price_secondary;
  l.align = align;
  l.valign = VerticalAlign::kMiddle;
  l.size = {std::max(8.0, std::floor(box.height * 0.25)), std::floor(box.height * 1.2)};
  return l;
}

Layer Badge(const Style& style, PixelBox box) {
  Layer l;
  l.name = "badge";
  l.kind = LayerKind::kBadge;
  l.box = box;
  l.text = "{offer.badge}";
  l.font = "headline";
  l.color = style.badge_color;
  l.fill = style.badge_fill;
  l.shape = style.default_shape;
  l.shapes = style.shapes;
  l.rotation_degrees = style.badge_rotation;
  l.max_lines = 2;
  const double side = std::min(box.width, box.height);
  l.size = {std::max(6.0, std::floor(side * 0.08)), std::floor(side * 0.30)};
  return l;
}

// The price, on the style's plate when it has one (the price then keeps a margin inside it).
void AddPrice(std::vector<Layer>& out, const Style& s, PixelBox box, HorizontalAlign align) {
  if (s.price_plate.empty()) {
    out.push_back(Price(s, box, align));
    return;
  }
  out.push_back(Rect("price_plate", box, s.price_plate, std::min(box.width, box.height) * 0.08));
  const int dx = std::max(2, box.width / 16);
  const int dy = std::max(2, box.height / 10);
  out.push_back(Price(s, {box.x + dx, box.y + dy, box.width - 2 * dx, box.height - 2 * dy}, align));
}

PixelBox Square(int x, int y, int side) { return {x, y, side, side}; }

// Packshot left, texts right, legal at the bottom: square, medium_rectangle, landscape,
// billboard.
Layout Split(const Style& s, const CreativeFormat& f) {
  Layout layout;
  layout.background = s.background;
  auto& out = layout.layers;
  const Frame frame{static_cast<double>(f.safe_area.x), static_cast<double>(f.safe_area.y),
                    static_cast<double>(f.safe_area.width),
                    static_cast<double>(f.safe_area.height)};
  const bool small = f.width < 600;
  const bool wide = f.width > 2.5 * f.height;  // billboard: three columns
  const double floor_px = small || wide ? 6 : 9;
  const double header = wide ? 0.0 : 0.12;
  const double footer = wide ? 0.0 : (small ? 0.15 : 0.12);
  if (!wide) {
    if (!s.band.empty())
      out.push_back(Rect("band", {0, 0, f.width, frame.Box(0, 0, 1, header).bottom()}, s.band));
    out.push_back(Image("logo", frame.Box(0.04, 0.02, 0.34, header - 0.04), "logo"));
    out.push_back(Text("validity", frame.Box(0.45, 0.03, 0.51, header - 0.06),
                       "{offer.validity_short}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.band.empty() ? s.detail_color : s.band_text)
                           .SetAlign(HorizontalAlign::kRight)
                           .SetValign(VerticalAlign::kMiddle)
                           .SetMinRatio(0.5)
                           .SetFloorPx(floor_px)));
    if (!s.rule.empty()) out.push_back(Rect("rule", frame.Box(0.04, header, 0.92, 0.004), s.rule));
  }
  const double body_top = header + 0.03;
  const double body_bottom = 1 - footer - 0.02;
  // Columns: packshot, texts, and for billboard the price on its own.
  const double shot_x = wide ? 0.015 : 0.04;
  const double shot_w = wide ? 0.25 : 0.50;
  const double text_x = wide ? 0.29 : 0.57;
  const double text_w = wide ? 0.36 : 0.40;
  if (!s.plate.empty()) {
    out.push_back(Rect("plate", frame.Box(shot_x, body_top, shot_w, body_bottom - body_top),
                       s.plate, std::min(f.width, f.height) * 0.03));
  }
  out.push_back(
      Image("packshot",
            frame.Box(shot_x + 0.02, body_top + 0.03, shot_w - 0.04, body_bottom - body_top - 0.06),
            "packshot"));
  if (wide) {
    out.push_back(Image("logo", frame.Box(text_x, 0.06, 0.16, 0.18), "logo"));
    const int side = static_cast<int>(f.height * 0.62);
    const PixelBox price_box = frame.Box(0.76, 0.08, 0.225, 0.62);
    out.push_back(Badge(s, Square(price_box.x - side - static_cast<int>(f.width * 0.01),
                                  static_cast<int>(f.height * 0.08), side)));
    AddPrice(out, s, price_box, HorizontalAlign::kCenter);
    out.push_back(Text("brand", frame.Box(text_x, 0.28, text_w * 0.6, 0.1), "{product.brand}",
                       TextStyle()
                           .SetColor(s.brand_color)
                           .SetEllipsize(true)
                           .SetUppercase(true)
                           .SetFloorPx(floor_px)));
    out.push_back(Text("title", frame.Box(text_x, 0.38, text_w * 0.6, 0.26), "{product.title}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.title_color)
                           .SetLines(2)
                           .SetEllipsize(true)
                           .SetUppercase(s.title_uppercase)
                           .SetFloorPx(floor_px)));
    out.push_back(Text("unit_price", frame.Box(text_x, 0.64, text_w * 0.6, 0.09),
                       "{product.quantity} · {offer.unit_price}",
                       TextStyle()
                           .SetColor(s.detail_color)
                           .SetEllipsize(true)
                           .SetFloorPx(floor_px)
                           .SetWhen("offer.unit_price")));
    out.push_back(Text("effective", frame.Box(0.76, 0.70, 0.225, 0.08), "{offer.effective_line}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.effective_color.empty() ? s.price_color : s.effective_color)
                           .SetAlign(HorizontalAlign::kCenter)
                           .SetMinRatio(0.5)
                           .SetFloorPx(floor_px)
                           .SetWhen("offer.effective_line")));
    if (!s.footer.empty()) {
      out.push_back(
          Rect("footer", frame.Box(text_x - 0.005, 0.78, 1 - text_x + 0.005, 0.22), s.footer));
    }
    out.push_back(
        Text("legal", frame.Box(text_x, 0.80, 0.70, 0.18), "{offer.fine_print}",
             TextStyle().SetColor(s.legal_color).SetLines(2).SetMinRatio(0.5).SetFloorPx(6),
             LayerKind::kLegal));
    return layout;
  }
  const int side = static_cast<int>(std::min(f.safe_area.width * 0.23, f.safe_area.height * 0.30));
  const PixelBox shot = frame.Box(shot_x, body_top, shot_w, 0);
  out.push_back(Badge(s, Square(shot.right() - side - side / 10, shot.y - side / 10, side)));
  const double span = body_bottom - body_top;
  auto at = [&](double fy) { return body_top + fy * span; };
  out.push_back(Text("brand", frame.Box(text_x, at(0.0), text_w, 0.055 * span), "{product.brand}",
                     TextStyle()
                         .SetColor(s.brand_color)
                         .SetEllipsize(true)
                         .SetUppercase(true)
                         .SetFloorPx(floor_px)));
  out.push_back(Text("title", frame.Box(text_x, at(0.06), text_w, 0.25 * span), "{product.title}",
                     TextStyle()
                         .SetFont("headline")
                         .SetColor(s.title_color)
                         .SetLines(3)
                         .SetMinRatio(0.55)
                         .SetFloorPx(floor_px)
                         .SetEllipsize(true)
                         .SetUppercase(s.title_uppercase)));
  out.push_back(Text("quantity", frame.Box(text_x, at(0.32), text_w, 0.05 * span),
                     "{product.quantity}",
                     TextStyle().SetColor(s.detail_color).SetEllipsize(true).SetFloorPx(floor_px)));
  const PixelBox price_box = frame.Box(text_x, at(0.40), text_w, 0.34 * span);
  AddPrice(out, s, price_box, HorizontalAlign::kLeft);
  out.push_back(Text("effective", frame.Box(text_x, at(0.76), text_w, 0.07 * span),
                     "{offer.effective_line}",
                     TextStyle()
                         .SetFont("headline")
                         .SetColor(s.effective_color.empty() ? s.price_color : s.effective_color)
                         .SetMinRatio(0.5)
                         .SetFloorPx(floor_px)
                         .SetWhen("offer.effective_line")));
  out.push_back(
      Text("unit_price", frame.Box(text_x, at(0.85), text_w, 0.055 * span), "{offer.unit_price}",
           TextStyle().SetColor(s.detail_color).SetFloorPx(floor_px).SetWhen("offer.unit_price")));
  if (!s.footer.empty()) {
    out.push_back(Rect(
        "footer",
        {0, frame.Box(0, 1 - footer, 1, 0).y, f.width, f.height - frame.Box(0, 1 - footer, 1, 0).y},
        s.footer));
  }
  out.push_back(Text("legal", frame.Box(0.04, 1 - footer + 0.012, 0.92, footer - 0.024),
                     "{offer.fine_print}",
                     TextStyle()
                         .SetColor(s.legal_color)
                         .SetValign(VerticalAlign::kMiddle)
                         .SetLines(3)
                         .SetMinRatio(0.4)
                         .SetFloorPx(6),
                     LayerKind::kLegal));
  return layout;
}

// One column, centred: portrait, story, half_page, skyscraper.
Layout Column(const Style& s, const CreativeFormat& f) {
  Layout layout;
  layout.background = s.background;
  auto& out = layout.layers;
  const Frame frame{static_cast<double>(f.safe_area.x), static_cast<double>(f.safe_area.y),
                    static_cast<double>(f.safe_area.width),
                    static_cast<double>(f.safe_area.height)};
  const bool narrow = f.width < 200;
  const bool small = f.width < 600;
  const double floor_px = small ? 7 : 10;
  const double header = 0.09;
  if (!s.band.empty()) {
    out.push_back(Rect("band", {0, 0, f.width, frame.Box(0, 0, 1, header).bottom()}, s.band));
  }
  if (narrow) {
    out.push_back(Image("logo", frame.Box(0.08, 0.015, 0.84, header - 0.03), "logo"));
  } else {
    out.push_back(Image("logo", frame.Box(0.05, 0.015, 0.42, header - 0.03), "logo"));
    out.push_back(Text("validity", frame.Box(0.50, 0.02, 0.45, header - 0.04),
                       "{offer.validity_short}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.band.empty() ? s.detail_color : s.band_text)
                           .SetAlign(HorizontalAlign::kRight)
                           .SetValign(VerticalAlign::kMiddle)
                           .SetMinRatio(0.5)
                           .SetFloorPx(floor_px)));
  }
  if (!s.rule.empty()) out.push_back(Rect("rule", frame.Box(0.05, header, 0.90, 0.003), s.rule));
  const double shot_top = header + 0.025;
  const double shot_h = narrow ? 0.30 : 0.39;
  if (!s.plate.empty()) {
    out.push_back(Rect("plate", frame.Box(0.05, shot_top, 0.90, shot_h), s.plate, f.width * 0.04));
  }
  out.push_back(
      Image("packshot", frame.Box(0.10, shot_top + 0.015, 0.80, shot_h - 0.03), "packshot"));
  const int side = static_cast<int>(f.safe_area.width * (narrow ? 0.5 : 0.32));
  const PixelBox shot = frame.Box(0.05, shot_top, 0.90, shot_h);
  out.push_back(Badge(s, Square(shot.right() - side + side / 10, shot.y + side / 10, side)));
  double y = shot_top + shot_h + 0.015;
  const TextStyle centred = TextStyle().SetAlign(HorizontalAlign::kCenter).SetFloorPx(floor_px);
  auto row = [&](double h) {
    const PixelBox box = frame.Box(0.06, y, 0.88, h);
    y += h;
    return box;
  };
  TextStyle brand = centred;
  brand.color = s.brand_color;
  brand.ellipsize = true;
  brand.uppercase = true;
  out.push_back(Text("brand", row(0.03), "{product.brand}", brand));
  TextStyle title = centred;
  title.font = "headline";
  title.color = s.title_color;
  title.lines = narrow ? 4 : 2;
  title.min_ratio = 0.55;
  title.ellipsize = true;
  title.uppercase = s.title_uppercase;
  out.push_back(Text("title", row(narrow ? 0.14 : 0.085), "{product.title}", title));
  TextStyle detail = centred;
  detail.color = s.detail_color;
  detail.ellipsize = true;
  out.push_back(Text("quantity", row(0.025), "{product.quantity}", detail));
  y += 0.005;
  const PixelBox price_box = row(narrow ? 0.12 : 0.14);
  AddPrice(out, s, price_box, HorizontalAlign::kCenter);
  // Air under the digits: "soit 2,33 € l'unité" touched them.
  y += 0.012;
  TextStyle effective = centred;
  effective.font = "headline";
  effective.color = s.effective_color.empty() ? s.price_color : s.effective_color;
  effective.min_ratio = 0.5;
  effective.when = "offer.effective_line";
  out.push_back(Text("effective", row(0.03), "{offer.effective_line}", effective));
  detail.when = "offer.unit_price";
  detail.ellipsize = false;
  detail.min_ratio = 0.5;
  out.push_back(Text("unit_price", row(0.025), "{offer.unit_price}", detail));
  const double legal_top = std::max(y + 0.01, 0.88);
  if (!s.footer.empty()) {
    const int top = frame.Box(0, legal_top, 1, 0).y;
    out.push_back(Rect("footer", {0, top, f.width, f.height - top}, s.footer));
  }
  out.push_back(Text("legal", frame.Box(0.05, legal_top + 0.008, 0.90, 0.995 - legal_top - 0.008),
                     "{offer.fine_print}",
                     TextStyle()
                         .SetColor(s.legal_color)
                         .SetAlign(HorizontalAlign::kCenter)
                         .SetValign(VerticalAlign::kMiddle)
                         .SetLines(narrow ? 5 : 3)
                         .SetMinRatio(0.4)
                         .SetFloorPx(6),
                     LayerKind::kLegal));
  return layout;
}

// One row: leaderboard, mobile_banner. Too short for the full fine print on the mobile
// banner, which prints the validity only.
Layout Strip(const Style& s, const CreativeFormat& f) {
  Layout layout;
  layout.background = s.background;
  auto& out = layout.layers;
  const int w = f.width;
  const int h = f.height;
  const bool tiny = h < 60;
  const int pad = tiny ? 2 : 4;
  const int logo_w = tiny ? 58 : static_cast<int>(w * 0.16);
  if (!s.band.empty()) out.push_back(Rect("band", {0, 0, logo_w + 2 * pad, h}, s.band));
  out.push_back(Image("logo", {pad, h / 5, logo_w, h - 2 * (h / 5)}, "logo"));
  int x = logo_w + 3 * pad;
  const int shot = h - 2 * pad;
  if (!s.plate.empty()) out.push_back(Rect("plate", {x, pad, shot, shot}, s.plate, h * 0.08));
  out.push_back(Image("packshot", {x + pad, 2 * pad, shot - 2 * pad, shot - 2 * pad}, "packshot"));
  x += shot + 2 * pad;
  const int price_w = tiny ? 66 : static_cast<int>(w * 0.20);
  // Wider than high, so a ribbon ("30% sur la carte") has room; round shapes stay round.
  const int badge_h = h - 2 * pad;
  const int badge = badge_h * 5 / 4;
  const int text_w = w - x - price_w - badge - 4 * pad;
  if (tiny) {
    out.push_back(Text("title", {x, pad, text_w, 26}, "{product.title}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.title_color)
                           .SetLines(2)
                           .SetMinRatio(0.7)
                           .SetFloorPx(8)
                           .SetEllipsize(true)
                           .SetUppercase(s.title_uppercase)));
    // The dates only: no legal text fits 50 px at the legal floor beside the title. A
    // regulated mention goes to the renderer's legal band.
    out.push_back(Text("validity", {x, 30, text_w, h - 30 - pad}, "{offer.validity_short}",
                       TextStyle()
                           .SetColor(s.detail_color)
                           .SetValign(VerticalAlign::kMiddle)
                           .SetMinRatio(0.6)
                           .SetFloorPx(7)));
  } else {
    out.push_back(Text("title", {x, pad + 2, text_w, h * 52 / 100}, "{product.title}",
                       TextStyle()
                           .SetFont("headline")
                           .SetColor(s.title_color)
                           .SetLines(2)
                           .SetMinRatio(0.6)
                           .SetFloorPx(9)
                           .SetEllipsize(true)
                           .SetUppercase(s.title_uppercase)));
    out.push_back(Text("legal", {x, h * 58 / 100, text_w, h * 40 / 100}, "{offer.fine_print}",
                       TextStyle()
                           .SetColor(s.legal_color)
                           .SetValign(VerticalAlign::kMiddle)
                           .SetLines(3)
                           .SetMinRatio(0.5)
                           .SetFloorPx(6),
                       LayerKind::kLegal));
  }
  x += text_w + 2 * pad;
  out.push_back(Badge(s, {x, pad, badge, badge_h}));
  x += badge + pad;
  const PixelBox price_box{x, pad, w - x - pad, h - 2 * pad};
  AddPrice(out, s, price_box, HorizontalAlign::kCenter);
  return layout;
}

CreativeTemplate Build(const Style& s) {
  CreativeTemplate t;
  t.id = s.id;
  t.name = s.name;
  t.description = s.description;
  t.version = 1;
  for (const CreativeFormat& f : CreativeFormats()) {
    const double aspect = static_cast<double>(f.width) / f.height;
    Layout layout;
    if (aspect >= 5) {
      layout = Strip(s, f);
    } else if (aspect >= 0.9) {
      layout = Split(s, f);
    } else {
      layout = Column(s, f);
    }
    t.layouts[std::string(f.name)] = std::move(layout);
  }
  return t;
}

std::vector<CreativeTemplate> MakeTemplates() {
  Style classic;
  classic.id = "classic";
  classic.name = "Classique";
  classic.description =
      "White page, red header band with the logo, red shelf price, yellow burst badge.";
  classic.background = "$background";
  classic.band = "$primary";
  classic.band_text = "$on_primary";
  classic.footer = "$surface";
  classic.title_color = "$text";
  classic.brand_color = "$muted";
  classic.price_color = "$price";
  classic.price_secondary = "$muted";
  classic.detail_color = "$muted";
  classic.legal_color = "$muted";
  classic.badge_fill = "$accent";
  classic.badge_color = "$on_accent";
  classic.badge_rotation = -8;
  classic.default_shape = BadgeShape::kCircle;
  classic.shapes = {
      {"percent_off", BadgeShape::kBurst},    {"amount_off", BadgeShape::kBurst},
      {"fixed_price", BadgeShape::kRibbon},   {"nth_item_percent_off", BadgeShape::kCircle},
      {"multibuy", BadgeShape::kCircle},      {"bundle_price", BadgeShape::kRoundedBox},
      {"loyalty_credit", BadgeShape::kRibbon}};

  Style bold;
  bold.id = "bold";
  bold.name = "Choc";
  bold.description = "Red page, packshot on a white card, white capitals, price on a yellow plate.";
  bold.background = "$primary";
  bold.band_text = "$on_primary";
  bold.footer = "#00000033";
  bold.title_color = "$on_primary";
  bold.brand_color = "$on_primary";
  bold.price_color = "$primary";
  bold.price_secondary = "$text";
  bold.price_plate = "$accent";
  bold.effective_color = "$accent";  // on the red page, not the yellow plate
  bold.detail_color = "$on_primary";
  bold.legal_color = "$on_primary";
  bold.plate = "$background";
  bold.badge_fill = "$text";
  bold.badge_color = "$accent";
  bold.title_uppercase = true;
  bold.badge_rotation = 6;
  bold.default_shape = BadgeShape::kBurst;
  bold.shapes = {{"fixed_price", BadgeShape::kRibbon},
                 {"loyalty_credit", BadgeShape::kRibbon},
                 {"bundle_price", BadgeShape::kCircle},
                 {"multibuy", BadgeShape::kCircle},
                 {"nth_item_percent_off", BadgeShape::kCircle}};

  Style minimal;
  minimal.id = "minimal";
  minimal.name = "Épuré";
  minimal.description = "Cream page, black type, a thin rule, a small red label for the offer.";
  minimal.background = "$surface";
  minimal.title_color = "$text";
  minimal.brand_color = "$muted";
  minimal.price_color = "$text";
  minimal.price_secondary = "$muted";
  minimal.detail_color = "$muted";
  minimal.legal_color = "$muted";
  minimal.badge_fill = "$primary";
  minimal.badge_color = "$on_primary";
  minimal.rule = "$text";
  minimal.default_shape = BadgeShape::kRoundedBox;
  minimal.shapes = {{"fixed_price", BadgeShape::kRibbon}, {"loyalty_credit", BadgeShape::kRibbon}};
  return {Build(classic), Build(bold), Build(minimal)};
}

BrandKit Kit(std::string id, std::string name, std::string tagline, Rgba primary, Rgba accent,
             Rgba surface) {
  BrandKit kit;
  kit.id = std::move(id);
  kit.name = std::move(name);
  kit.tagline = std::move(tagline);
  kit.version = 1;
  kit.colors = {
      {"background", {255, 255, 255, 255}}, {"surface", surface},         {"primary", primary},
      {"on_primary", {255, 255, 255, 255}}, {"accent", accent},           {"on_accent", primary},
      {"text", {29, 29, 27, 255}},          {"muted", {88, 92, 98, 255}}, {"price", primary}};
  kit.fonts = {{"headline", Font(kLiberation, "LiberationSans-Bold.ttf")},
               {"body", Font(kLiberation, "LiberationSans-Regular.ttf")},
               {"price", Font(kDejaVu, "DejaVuSansCondensed-Bold.ttf")}};
  return kit;
}

std::vector<BrandKit> MakeKits() {
  return {Kit("vitrine", "Marché Vitrine", "Les prix bas, près de chez vous", {215, 20, 26, 255},
              {255, 214, 0, 255}, {246, 242, 234, 255}),
          Kit("vitrine-proxi", "Vitrine Proxi", "Votre commerce de quartier", {0, 122, 61, 255},
              {255, 196, 0, 255}, {240, 245, 238, 255})};
}

const std::vector<CreativeTemplate>& Templates() {
  static const std::vector<CreativeTemplate> templates = MakeTemplates();
  return templates;
}

const std::vector<BrandKit>& Kits() {
  static const std::vector<BrandKit> kits = MakeKits();
  return kits;
}

}  // namespace

std::span<const CreativeTemplate> BuiltinTemplates() { return Templates(); }

const CreativeTemplate* FindBuiltinTemplate(std::string_view id) {
  for (const CreativeTemplate& t : Templates()) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::span<const BrandKit> BuiltinBrandKits() { return Kits(); }
const BrandKit& DefaultBrandKit() { return Kits().front(); }

const BrandKit* FindBuiltinBrandKit(std::string_view id) {
  for (const BrandKit& k : Kits()) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

}  // namespace vitrine
