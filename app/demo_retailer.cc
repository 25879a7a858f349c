#include "app/demo_retailer.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "app/packshot.h"
#include "common/csv.h"
#include "common/csv_writer.h"
#include "common/gtin.h"
#include "common/quantity.h"
#include "common/text.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Stable hashing. std::hash may differ between library versions and runs; the demo must
// give the same bytes everywhere, so every derived value comes from FNV-1a over the seed,
// a key (the GTIN, a store id) and a salt naming the derived quantity, finished with the
// splitmix64 mixer because FNV-1a alone spreads short keys poorly in the low bits.

uint64_t Fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t StableHash(uint64_t seed, std::string_view key, std::string_view salt) {
  uint64_t h = 14695981039346656037ull;
  char seed_bytes[8];
  for (int i = 0; i < 8; ++i) seed_bytes[i] = static_cast<char>((seed >> (8 * i)) & 0xFF);
  h = Fnv1a(h, std::string_view(seed_bytes, 8));
  h = Fnv1a(h, key);
  h = Fnv1a(h, "\x1f");  // a separator, so ("ab", "c") and ("a", "bc") differ
  h = Fnv1a(h, salt);
  return Mix64(h);
}

// A value in [lo, hi] from a hash.
int64_t Pick(uint64_t h, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(h % static_cast<uint64_t>(hi - lo + 1));
}

// Shelf prices end in 9 cents, as French grocery prices do.
int64_t ShelfPrice(int64_t cents) {
  cents = std::max<int64_t>(cents, 19);
  return cents / 10 * 10 + 9;
}

// ---------------------------------------------------------------------------------------
// Categories. Keywords are lowercase words of product titles in the languages the Open
// Food Facts sample holds (French first, then English, German, Polish, Spanish,
// Portuguese, Italian). "word" matches the word or its plural (+s, +x); "word*" matches
// words starting with it; "*word" matches words ending with it (German compounds:
// Mehrkornbrot, Olivenöl). Google ids are from the Google product taxonomy
// (taxonomy-with-ids.en-US.txt, version 2021-09-21).

enum class Freshness { kShelfStable, kFresh, kFreshWhenSaid };

struct PackSize {
  std::string_view quantity;  // net quantity as printed, parseable by Quantity::Parse
  int min_cents;              // plausible regular price range for that size
  int max_cents;
};

struct CategoryRule {
  std::string_view path;
  std::string_view google_category;
  std::vector<std::string_view> keywords;
  std::vector<PackSize> sizes;
  std::vector<std::string_view> brands;
  Freshness freshness = Freshness::kShelfStable;
  bool fallback = false;  // may be given to a product no keyword places
};

const std::vector<CategoryRule>& Categories() {
  static const std::vector<CategoryRule> kRules = {
      {"Boissons > Bières",
       "414",
       {"bière*", "biere*", "beer*", "bier*", "piwo", "cerveza*", "birra", "lager", "ipa", "pils*",
        "*bier"},
       {{"6 x 25 cl", 399, 699},
        {"33 cl", 99, 219},
        {"50 cl", 149, 299},
        {"12 x 25 cl", 749, 1199}},
       {"Kronenbourg", "1664", "Heineken", "Leffe", "Grimbergen", "Pelforth", "Desperados"}},
      {"Cave > Vins",
       "421",
       {"vin", "wine*", "wein*", "wino", "vinho", "vino", "champagne*", "bordeaux", "bourgogne",
        "rosé", "*wein"},
       {{"75 cl", 399, 1499}},
       {"Cellier des Dauphins", "Mouton Cadet", "Vieux Papes", "Listel", "Gérard Bertrand"}},
      {"Boissons > Sodas",
       "2628",
       {"soda*", "cola", "coca", "limonade*", "lemonade*", "tonic", "orangina", "*limonade"},
       {{"33 cl", 59, 119}, {"6 x 33 cl", 299, 549}, {"1,5 l", 119, 229}},
       {"Coca-Cola", "Orangina", "Schweppes", "Oasis", "Pepsi"}},
      {"Boissons > Jus de fruits",
       "2887",
       {"jus", "juice*", "saft*", "*saft", "sok", "soki", "nectar*", "smoothie*", "zumo", "suco",
        "succo"},
       {{"1 l", 149, 349}, {"1,5 l", 189, 399}, {"6 x 20 cl", 219, 399}},
       {"Tropicana", "Joker", "Pampryl", "Innocent", "Tymbark"}},
      {"Boissons > Eaux",
       "420",
       {"eau", "water", "wasser*", "*wasser", "woda", "agua", "acqua", "mineral*"},
       {{"1,5 l", 39, 99}, {"6 x 1,5 l", 219, 449}, {"50 cl", 35, 89}},
       {"Evian", "Volvic", "Cristaline", "Badoit", "Perrier", "Vittel"}},
      {"Boissons > Boissons végétales",
       "5724",
       {"boisson*", "drink*", "*drink", "napój", "getränk*"},
       {{"1 l", 149, 299}},
       {"Alpro", "Sojasun", "Lima"}},
      {"Boissons chaudes > Café",
       "1868",
       {"café*", "cafe*", "coffee*", "kaffee*", "kawa", "espresso*", "caffè", "capsule*",
        "dosette*"},
       {{"250 g", 229, 549}, {"500 g", 419, 899}, {"1 kg", 799, 1599}},
       {"Carte Noire", "L'Or", "Lavazza", "Grand'Mère", "Jacques Vabre", "Malongo"}},
      {"Boissons chaudes > Thé et infusions",
       "2073",
       {"thé", "tea", "tee", "herbata", "infusion*", "tisane*", "rooibos", "matcha", "chá"},
       {{"50 g", 179, 399}, {"100 g", 249, 549}},
       {"Lipton", "Twinings", "Éléphant", "Kusmi Tea", "Yogi Tea"}},
      {"Crèmerie > Yaourts et desserts",
       "1954",
       {"yaourt*", "yogourt*", "yogurt*", "yoghurt*", "jogurt*", "joghurt*", "skyr", "ayran",
        "kefir*", "dessert*", "mousse*", "pudding*", "flan*", "*joghurt"},
       {{"4 x 125 g", 139, 299}, {"8 x 125 g", 229, 449}, {"500 g", 149, 329}},
       {"Danone", "Yoplait", "Activia", "Danette", "La Laitière", "Müller", "Zott"},
       Freshness::kFresh},
      {"Crèmerie > Fromages",
       "429",
       {"fromage*",   "cheese*",     "käse",        "*käse",     "kase",       "ser",
        "sery",       "queso",       "queijo",      "formaggio", "camembert*", "emmental*",
        "comté",      "brie",        "mozzarella*", "chèvre",    "roquefort*", "gouda",
        "cheddar*",   "parmesan*",   "parmigiano",  "raclette*", "reblochon*", "feta",
        "mimolette*", "coulommiers", "tomme*",      "gruyère",   "ricotta",    "mascarpone"},
       {{"200 g", 179, 449}, {"250 g", 199, 499}, {"150 g", 159, 399}},
       {"Président", "Société", "Entremont", "Caprice des Dieux", "Saint Agur", "Galbani"},
       Freshness::kFresh},
      {"Crèmerie > Beurre",
       "5827",
       {"beurre*", "butter*", "masło", "mantequilla", "manteiga", "margarine*"},
       {{"250 g", 199, 399}, {"500 g", 379, 649}},
       {"Elle & Vire", "Paysan Breton", "Lescure", "Bridelice"},
       Freshness::kFresh},
      {"Crèmerie > Œufs",
       "4627",
       {"oeuf", "œuf", "egg", "eier", "jaja", "huevos", "ovos"},
       {{"6 pièces", 179, 329}, {"12 pièces", 319, 549}},
       {"Matines", "Cocorette", "Loué"},
       Freshness::kFresh},
      {"Crèmerie > Lait",
       "418",
       {"lait", "milk", "milch*", "*milch", "mleko", "leche", "latte", "leite"},
       {{"1 l", 89, 169}, {"6 x 1 l", 549, 899}, {"50 cl", 69, 129}},
       {"Lactel", "Candia", "Bridel"},
       Freshness::kFreshWhenSaid},
      {"Boucherie-Charcuterie > Jambon et charcuterie",
       "5804",
       {"jambon*",    "ham",      "schinken*",  "*schinken", "szynka",    "jamón",
        "prosciutto", "presunto", "saucisson*", "salami*",   "chorizo*",  "kiełbasa",
        "saucisse*",  "wurst*",   "*wurst",     "lardons",   "rillettes", "pâté",
        "terrine*",   "bacon",    "speck",      "mortadel*"},
       {{"160 g", 199, 399}, {"200 g", 229, 449}, {"100 g", 149, 349}},
       {"Herta", "Fleury Michon", "Madrange", "Justin Bridou", "Cochonou", "Aoste"},
       Freshness::kFresh},
      {"Boucherie > Viandes et volailles",
       "5805",
       {"poulet*",    "chicken*", "dinde*",    "turkey",    "hähnchen*", "kurczak*",
        "pollo",      "frango",   "steak*",    "boeuf",     "bœuf",      "beef",
        "veau",       "porc",     "pork",      "agneau",    "lamb",      "burger*",
        "escalope*",  "rind*",    "boulette*", "magret*",   "canard*",   "duck",
        "chipolata*", "rumsteck", "rosbif",    "carpaccio", "nuggets"},
       {{"400 g", 349, 799}, {"500 g", 399, 899}, {"2 x 125 g", 299, 599}},
       {"Le Gaulois", "Maître Coq", "Charal", "Bigard"},
       Freshness::kFresh},
      {"Marée > Poissons et fruits de mer",
       "5812",
       {"saumon*",   "salmon*", "lachs*", "łosoś",    "salmão",  "cabillaud*", "colin*",
        "crevette*", "shrimp*", "prawn*", "poisson*", "fish*",   "fisch*",     "*fisch",
        "surimi*",   "moules",  "crabe",  "gambas",   "truite*", "trout"},
       {{"200 g", 299, 699}, {"150 g", 249, 599}},
       {"Labeyrie", "Delpeyrat", "Guyader", "Coraya"},
       Freshness::kFresh},
      {"Épicerie salée > Conserves de poisson",
       "5813",
       {"thon", "tuna*", "tuńczyk", "atún", "sardine*", "sardinha*", "maquereau*", "mackerel*",
        "makrel*", "anchois", "anchovy*"},
       {{"4 x 80 g", 399, 699}, {"140 g", 149, 329}, {"115 g", 179, 349}},
       {"Petit Navire", "Saupiquet", "Connétable", "La Belle-Iloise"}},
      {"Épicerie salée > Huiles et vinaigres",
       "2126",
       {"huile*", "oil", "öl", "*öl", "olej", "aceite", "azeite", "olio", "vinaigre*", "vinegar*",
        "essig*", "*essig", "ocet"},
       {{"1 l", 249, 899}, {"50 cl", 199, 699}, {"75 cl", 279, 999}},
       {"Lesieur", "Puget", "Isio 4", "Carapelli"}},
      {"Épicerie salée > Conserves de légumes",
       "5798",
       {"conserve*",  "haricot*",   "bean*",       "bohnen*",   "fasola",
        "fasolka",    "judías",     "feijão",      "lentille*", "lentil*",
        "maïs",       "macédoine",  "ratatouille", "cassoulet", "choucroute",
        "betterave*", "cornichon*", "gurken*",     "*gurken",   "ogórki",
        "olive*",     "oliven*",    "antipasti",   "pois",      "pickles"},
       {{"400 g", 89, 229}, {"800 g", 149, 349}, {"3 x 140 g", 199, 399}},
       {"Bonduelle", "Cassegrain", "D'aucy", "Géant Vert"},
       Freshness::kShelfStable,
       true},
      {"Épicerie salée > Pâtes",
       "434",
       {"pâtes",    "pates",    "pasta*",     "spaghetti*", "tagliatelle*",
        "penne",    "fusilli",  "farfalle",   "macaroni*",  "coquillettes",
        "lasagne*", "ravioli*", "tortellini", "gnocchi",    "nudeln",
        "*nudeln",  "makaron*", "noodle*",    "nouilles",   "massa"},
       {{"500 g", 89, 249}, {"1 kg", 169, 399}},
       {"Barilla", "Panzani", "Lustucru", "De Cecco", "Rummo"}},
      {"Épicerie salée > Riz et céréales",
       "4682",
       {"riz", "rice", "reis", "ryż", "arroz", "riso", "risotto", "quinoa", "couscous", "semoule",
        "boulgour", "bulgur", "blé", "polenta", "kasza"},
       {{"500 g", 119, 299}, {"1 kg", 199, 449}},
       {"Taureau Ailé", "Ben's Original", "Tipiak", "Sabarot"}},
      {"Épicerie salée > Sauces et condiments",
       "427",
       {"sauce*",   "sos",         "salsa",  "soße",         "*soße",     "sosse",
        "ketchup",  "mayonnaise*", "mayo",   "moutarde*",    "mustard*",  "senf",
        "*senf",    "musztarda",   "pesto",  "vinaigrette*", "dressing*", "harissa",
        "tapenade", "houmous",     "hummus", "tzatziki",     "guacamole"},
       {{"200 g", 129, 329}, {"350 g", 159, 399}, {"50 cl", 179, 429}},
       {"Amora", "Heinz", "Maille", "Bénédicta"}},
      {"Épicerie salée > Soupes et bouillons",
       "2423",
       {"soupe*", "soup*", "velouté*", "suppe*", "*suppe", "zupa", "sopa", "zuppa", "bouillon*",
        "brühe", "gazpacho"},
       {{"1 l", 179, 399}, {"50 cl", 129, 299}},
       {"Liebig", "Knorr", "Royco", "Maggi"}},
      {"Épicerie salée > Épices et assaisonnements",
       "4608",
       {"sel", "salt", "salz", "sól", "poivre", "pepper", "pfeffer", "pieprz", "épice*", "spice*",
        "gewürz*", "curry", "paprika", "cumin", "cannelle", "herbes", "ail", "thym", "basilic"},
       {{"50 g", 119, 299}, {"100 g", 159, 349}, {"250 g", 99, 249}},
       {"Ducros", "La Baleine", "Cérébos", "Kotányi"}},
      {"Épicerie salée > Apéritif",
       "2392",
       {"chips",     "chipsy",    "crisps",     "crips",      "crackers",   "cracker",
        "apéritif*", "aperitif*", "cacahuète*", "cacahuete*", "peanut*",    "erdnuss*",
        "pistache*", "bretzel*",  "pretzel*",   "popcorn",    "pop",        "nachos",
        "tortilla*", "gressins",  "grissini",   "snack*",     "picatostes", "croûtons"},
       {{"150 g", 119, 299}, {"200 g", 149, 349}, {"125 g", 99, 249}},
       {"Lay's", "Vico", "Bénénuts", "Pringles", "Belin", "Curly"},
       Freshness::kShelfStable,
       true},
      {"Épicerie sucrée > Fruits secs",
       "433",
       {"amande*", "almond*", "mandel*", "migdał*",    "noix",      "nuts",      "nut",
        "nüsse",   "*nüsse",  "nuss*",   "*nusskerne", "noisette*", "hazelnut*", "orzech*",
        "cajou",   "cashew*", "raisins", "datte*",     "figue*",    "pruneaux",  "abricots"},
       {{"200 g", 199, 449}, {"125 g", 149, 349}, {"500 g", 449, 899}},
       {"Daco Bello", "Seeberger", "Maître Prunille"}},
      {"Épicerie sucrée > Chocolat",
       "4748",
       {"chocolat*", "chocolate*", "schokolade*", "*schokolade", "czekolada*", "cioccolat*",
        "chocolade", "cacao", "kakao", "pralin*", "truffe*", "choco*"},
       {{"100 g", 129, 399}, {"200 g", 229, 599}, {"3 x 100 g", 349, 799}},
       {"Milka", "Côte d'Or", "Lindt", "Poulain", "Nestlé Dessert", "Cémoi", "Ritter Sport",
        "Wedel"}},
      {"Épicerie sucrée > Biscuits et gâteaux",
       "2229",
       {"biscuit*",  "cookie*",    "gâteau*",   "gateau*",   "galette*",   "sablé*",   "madeleine*",
        "ciastka",   "ciasteczka", "ciastk*",   "kekse",     "keks*",      "*kekse",   "galletas",
        "biscoito*", "biscotti",   "wafer*",    "gaufre*",   "gaufrette*", "brownie*", "muffin*",
        "cake",      "financier*", "spéculoos", "speculoos", "crêpe*",     "palmier*"},
       {{"200 g", 119, 299}, {"300 g", 149, 349}, {"150 g", 99, 279}},
       {"LU", "Bonne Maman", "St Michel", "Gerblé", "Bjorg", "Pasquier", "Bahlsen"},
       Freshness::kShelfStable,
       true},
      {"Épicerie sucrée > Confiserie",
       "4748",
       {"bonbon*", "candy", "candies", "cukierki", "caramel*", "réglisse", "guimauve*",
        "marshmallow*", "dragée*", "gummi*", "fruchtgummi", "nougat*", "sucette*", "chewing*",
        "friandise*", "lollipop*", "sweets"},
       {{"100 g", 99, 249}, {"250 g", 179, 399}, {"400 g", 249, 499}},
       {"Haribo", "Carambar", "Lutti", "Kréma", "Verquin"},
       Freshness::kShelfStable,
       true},
      {"Petit-déjeuner > Céréales",
       "4689",
       {"céréale*", "cereale*", "cereal*", "muesli*", "müsli*", "granola*", "flakes", "płatki",
        "porridge", "flocons", "avoine", "oats", "haferflocken"},
       {{"375 g", 199, 399}, {"500 g", 249, 479}, {"750 g", 349, 599}},
       {"Kellogg's", "Nestlé", "Jordans", "Quaker"},
       Freshness::kShelfStable,
       true},
      {"Petit-déjeuner > Confitures et pâtes à tartiner",
       "2188",
       {"confiture*", "jam", "marmelade*", "marmelada", "konfitura", "dżem", "mermelada", "gelée*",
        "tartiner", "spread*", "aufstrich*", "*aufstrich", "nocciolata"},
       {{"370 g", 179, 399}, {"320 g", 199, 429}, {"750 g", 349, 699}},
       {"Bonne Maman", "Andros", "St Dalfour", "Nutella", "Lucien Georgelin"}},
      {"Petit-déjeuner > Miel",
       "4947",
       {"miel*", "honey*", "honig*", "miód", "mel"},
       {{"250 g", 299, 599}, {"500 g", 449, 899}},
       {"Lune de Miel", "Famille Michaud", "Apidis"}},
      {"Épicerie sucrée > Compotes",
       "5799",
       {"compote*", "mus", "apfelmus", "applesauce"},
       {{"4 x 100 g", 169, 329}, {"850 g", 199, 399}},
       {"Materne", "Pom'Potes", "Charles & Alice"}},
      {"Épicerie sucrée > Sucre et farine",
       "2660",
       {"sucre*", "sugar*", "zucker*", "cukier*", "azúcar", "farine*", "flour*", "mehl*", "*mehl",
        "mąka", "harina", "levure*", "gélatine", "gelatine", "baking"},
       {{"1 kg", 99, 249}, {"500 g", 89, 229}},
       {"Daddy", "Béghin Say", "Francine", "Vahiné", "Alsa"}},
      {"Boulangerie > Pains et viennoiseries",
       "424",
       {"pain*", "bread*", "brot", "*brot", "brötchen", "chleb*", "pieczywo", "baguette*",
        "brioche*", "toast*", "pan", "pão", "croissant*", "viennoiserie*", "wrap*"},
       {{"500 g", 99, 249}, {"400 g", 119, 279}, {"250 g", 89, 229}},
       {"Harry's", "Jacquet", "La Boulangère"},
       Freshness::kFresh},
      {"Fruits et légumes > Légumes",
       "5793",
       {"légume*", "legume*", "vegetable*", "gemüse*", "warzywa", "verdura*", "salade*", "salad*",
        "carotte*", "tomate*", "épinard*", "spinach", "champignon*", "poireau*", "courgette*",
        "brocoli*", "chou"},
       {{"1 kg", 149, 349}, {"500 g", 99, 249}, {"300 g", 149, 299}},
       {"Florette", "Prince de Bretagne", "Les Crudettes"},
       Freshness::kFreshWhenSaid},
      {"Fruits et légumes > Fruits",
       "5795",
       {"fruit*",      "pomme*",     "poire*",  "ananas", "mangue*", "mango*", "banane*", "banana*",
        "fraise*",     "framboise*", "cerise*", "pêche*", "kiwi*",   "raisin", "orange*", "citron*",
        "clémentine*", "goji",       "berries", "äpfel",  "apfel",   "jabłka"},
       {{"1 kg", 199, 449}, {"500 g", 149, 349}, {"250 g", 199, 399}},
       {"Vitrine Primeur", "Blue Whale", "Pink Lady"},
       Freshness::kFreshWhenSaid},
      {"Surgelés > Glaces",
       "499991",
       {"glace*", "eis", "lody", "helado*", "gelato*", "sorbet*", "esquimau*"},
       {{"1 l", 299, 599}, {"4 x 7 cl", 249, 499}},
       {"Carte d'Or", "Magnum", "Häagen-Dazs", "Ben & Jerry's", "Extrême"}},
      {"Surgelés > Plats cuisinés",
       "499988",
       {"surgelé*", "frozen",  "tiefkühl*", "mrożon*", "pizza*",    "quiche*",   "plat",
        "gratin*",  "paella",  "hachis",    "tarte*",  "burrito*",  "sandwich*", "kebab",
        "gyros",    "taboulé", "sushi*",    "nems",    "samoussa*", "poêlée*"},
       {{"400 g", 249, 549}, {"300 g", 219, 449}, {"1 kg", 449, 899}},
       {"Findus", "Picard", "Marie", "Buitoni", "Sodebo"},
       Freshness::kShelfStable,
       true},
  };
  return kRules;
}

// The retailer's own label, given to a share of the products that name no brand.
constexpr std::string_view kHouseBrand = "Vitrine";
constexpr std::string_view kHouseOrganic = "Vitrine Bio";
constexpr std::string_view kHousePremium = "Vitrine Sélection";

// Words, lowercased (ASCII letters only; accented letters are kept as written), split at
// ASCII characters that are neither letters nor digits. UTF-8 sequences stay inside words.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    const bool word_char =
        c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (word_char) {
      current.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

bool KeywordMatches(std::string_view keyword, std::string_view word) {
  if (keyword.ends_with('*')) return word.starts_with(keyword.substr(0, keyword.size() - 1));
  if (keyword.starts_with('*')) {
    const std::string_view tail = keyword.substr(1);
    return word.size() > tail.size() && word.ends_with(tail);
  }
  if (word == keyword) return true;
  // French and English plurals.
  return word.size() == keyword.size() + 1 && word.starts_with(keyword) &&
         (word.back() == 's' || word.back() == 'x');
}

// The category of the first title word that a keyword recognises: the head noun comes first
// in French and English titles ("Biscuits au chocolat" is a biscuit, "Chocolat au lait" a
// chocolate), so word order decides before table order.
const CategoryRule* CategoryFromTitle(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    for (const CategoryRule& rule : Categories()) {
      for (std::string_view keyword : rule.keywords) {
        if (KeywordMatches(keyword, word)) return &rule;
      }
    }
  }
  return nullptr;
}

bool SaysFresh(const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    if (w == "frais" || w == "fraîche" || w == "fraiche" || w == "fresh" ||
        w.starts_with("frisch") || w.starts_with("śwież")) {
      return true;
    }
  }
  return false;
}

bool SaysOrganic(const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    if (w == "bio" || w == "organic" || w == "öko" || w == "biologique" || w == "ekologiczny") {
      return true;
    }
  }
  return false;
}

// A known brand named in the title, matched on whole words ("LU" is not found in "Lucky"),
// and the category whose brand list holds it.
struct BrandMatch {
  std::string_view brand;
  const CategoryRule* category = nullptr;
};

BrandMatch BrandFromTitle(const std::vector<std::string>& title_words) {
  std::string joined = " ";
  for (const std::string& w : title_words) joined += w + " ";
  for (const CategoryRule& rule : Categories()) {
    for (std::string_view brand : rule.brands) {
      std::string needle = " ";
      for (const std::string& w : Words(brand)) needle += w + " ";
      if (needle.size() > 1 && joined.find(needle) != std::string::npos) {
        return {brand, &rule};
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Cleaning the sample's text so that every row passes catalog validation.

std::string DecodeEntities(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&quot;", "\""}, {"&amp;", "&"}, {"&apos;", "'"}, {"&#39;", "'"},
      {"&lt;", "<"},    {"&gt;", ">"},  {"&nbsp;", " "}};
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, text] : kEntities) {
        if (s.substr(i).starts_with(entity)) {
          out += text;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(s[i++]);
  }
  return out;
}

// Cuts `s` to at most `max_code_points` code points, never inside a UTF-8 sequence.
void TruncateCodePoints(std::string& s, size_t max_code_points) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == max_code_points) {
        s.resize(i);
        return;
      }
      ++count;
    }
  }
}

// One line: control characters and runs of white space become one space.
std::string CleanLine(std::string_view raw, size_t max_code_points) {
  const std::string decoded = DecodeEntities(raw);
  std::string out;
  bool space = false;
  for (char ch : decoded) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == ' ' || c == 0x7F) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(ch);
  }
  TruncateCodePoints(out, max_code_points);
  return std::string(TrimAscii(out));
}

// Several lines allowed: CRLF becomes LF, other control characters are dropped.
std::string CleanText(std::string_view raw, size_t max_code_points) {
  const std::string decoded = DecodeEntities(raw);
  std::string out;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(decoded[i]);
    if (c == '\r') {
      if (i + 1 < decoded.size() && decoded[i + 1] == '\n') continue;
      out.push_back('\n');
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      continue;
    } else {
      out.push_back(decoded[i]);
    }
  }
  TruncateCodePoints(out, max_code_points);
  return std::string(TrimAscii(out));
}

bool IsUsableUrl(std::string_view url) {
  return (url.starts_with("http://") || url.starts_with("https://")) && url.size() > 8 &&
         url.size() <= 2000 && url.find_first_of(" \t\r\n\"<>") == std::string_view::npos;
}

// ---------------------------------------------------------------------------------------
// Products.

struct DemoProduct {
  std::string id;
  std::string gtin;
  std::string title;
  std::string brand;
  std::string description;
  const CategoryRule* category = nullptr;
  std::string net_quantity;
  std::string unit_pricing_base;
  std::string image_url;
  bool perishable = false;
  int64_t launch_price = 0;  // regular national price at the start of the history, cents
  uint64_t hash = 0;         // StableHash of the GTIN: the product's own random stream
};

// Column positions in a header record; -1 when absent.
int ColumnIndex(const CsvRecord& header, std::string_view name) {
  for (size_t i = 0; i < header.fields.size(); ++i) {
    if (TrimAscii(header.fields[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view FieldAt(const CsvRecord& r, int index) {
  if (index < 0 || static_cast<size_t>(index) >= r.fields.size()) return {};
  return r.fields[static_cast<size_t>(index)];
}

std::string UnitPricingBaseFor(std::string_view quantity) {
  Result<Quantity> q = Quantity::Parse(quantity);
  if (!q.ok()) return "";
  switch (q->dimension()) {
    case Dimension::kMass:
      return "1 kg";
    case Dimension::kVolume:
      return "1 l";
    case Dimension::kCount:
      return "1 pièce";
  }
  return "";
}

DemoProduct DeriveProduct(uint64_t seed, std::string gtin, std::string title,
                          std::string description, std::string image_url) {
  DemoProduct p;
  p.hash = StableHash(seed, gtin, "product");
  p.id = "P" + gtin;
  p.gtin = std::move(gtin);
  p.title = std::move(title);
  p.description = std::move(description);
  p.image_url = std::move(image_url);

  const std::vector<std::string> words = Words(p.title);
  const BrandMatch named = BrandFromTitle(words);
  const CategoryRule* category = CategoryFromTitle(words);
  if (category == nullptr) category = named.category;
  if (category == nullptr) {
    std::vector<const CategoryRule*> pool;
    for (const CategoryRule& rule : Categories()) {
      if (rule.fallback) pool.push_back(&rule);
    }
    category = pool[StableHash(seed, p.gtin, "fallback-category") % pool.size()];
  }
  p.category = category;

  const uint64_t brand_hash = StableHash(seed, p.gtin, "brand");
  if (!named.brand.empty()) {
    p.brand = std::string(named.brand);
  } else if (brand_hash % 100 < 22) {
    // About a fifth of the range is the retailer's own label, as in French supermarkets.
    p.brand = std::string(SaysOrganic(words)           ? kHouseOrganic
                          : (brand_hash >> 8) % 4 == 0 ? kHousePremium
                                                       : kHouseBrand);
  } else {
    p.brand = std::string(category->brands[(brand_hash >> 16) % category->brands.size()]);
  }

  const uint64_t size_hash = StableHash(seed, p.gtin, "size");
  const PackSize& size = category->sizes[size_hash % category->sizes.size()];
  p.net_quantity = std::string(size.quantity);
  p.unit_pricing_base = UnitPricingBaseFor(size.quantity);
  p.launch_price = ShelfPrice(Pick(size_hash >> 8, size.min_cents, size.max_cents));
  p.perishable = category->freshness == Freshness::kFresh ||
                 (category->freshness == Freshness::kFreshWhenSaid && SaysFresh(words));
  return p;
}

Result<std::vector<DemoProduct>> ReadProducts(const DemoOptions& options, int* skipped) {
  const fs::path path = options.data_dir / "off-products-sample.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  CsvOptions csv_options;
  csv_options.delimiter = ',';
  CsvReader reader(in, csv_options);
  CsvRecord record;
  if (!reader.Next(&record) || !record.ok()) {
    return Status::InvalidArgument(path.string() + ": no header record");
  }
  const int gtin_col = ColumnIndex(record, "gtin");
  const int title_col = ColumnIndex(record, "title");
  const int ingredients_col = ColumnIndex(record, "ingredients");
  const int image_col = ColumnIndex(record, "image_url");
  if (gtin_col < 0 || title_col < 0) {
    return Status::InvalidArgument(path.string() + ": the header lacks gtin or title");
  }

  std::vector<DemoProduct> products;
  std::unordered_set<std::string> seen;
  while (reader.Next(&record)) {
    if (options.max_products > 0 && static_cast<int>(products.size()) >= options.max_products) {
      break;
    }
    if (!record.ok()) {
      ++*skipped;
      continue;
    }
    Result<Gtin> gtin = Gtin::Parse(FieldAt(record, gtin_col));
    std::string title = CleanLine(FieldAt(record, title_col), 150);
    if (!gtin.ok() || title.empty() || !seen.insert(gtin->digits()).second) {
      ++*skipped;
      continue;
    }
    std::string description = CleanText(FieldAt(record, ingredients_col), 5000);
    std::string image_url(TrimAscii(FieldAt(record, image_col)));
    if (!IsUsableUrl(image_url)) image_url.clear();
    products.push_back(DeriveProduct(options.seed, gtin->digits(), std::move(title),
                                     std::move(description), std::move(image_url)));
  }
  if (!reader.status().ok()) return reader.status().WithContext(path.string());
  return products;
}

// ---------------------------------------------------------------------------------------
// Stores.

struct City {
  std::string name;
  std::string postal_code;
  std::string region;
  int64_t population = 0;
  double lat = 0;
  double lon = 0;
};

struct DemoStore {
  std::string id;
  std::string name;
  std::string banner;
  std::string address;
  std::string postal_code;
  std::string city;
  double lat = 0;
  double lon = 0;
  std::string price_zone;
  std::string services;
  int stock_scale = 1;  // shelf depth: a hypermarket holds more of each product
  Instant measured_at{};
};

// INSEE region codes (2016 regions of metropolitan France) grouped into the retailer's five
// price zones. Île-de-France is its own zone because Paris prices run higher.
std::string_view ZoneOfRegion(std::string_view region) {
  if (region == "11") return "IDF";
  if (region == "32" || region == "44" || region == "27") return "NORD-EST";
  if (region == "28" || region == "53" || region == "52" || region == "24") return "OUEST";
  if (region == "75" || region == "76") return "SUD-OUEST";
  return "SUD-EST";  // 84 Auvergne-Rhône-Alpes, 93 Provence-Alpes-Côte d'Azur, 94 Corse
}

Result<std::vector<City>> ReadCities(const fs::path& data_dir) {
  const fs::path path = data_dir / "fr-cities.csv";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  CsvOptions csv_options;
  csv_options.delimiter = ',';
  CsvReader reader(in, csv_options);
  CsvRecord record;
  if (!reader.Next(&record) || !record.ok()) {
    return Status::InvalidArgument(path.string() + ": no header record");
  }
  const int name_col = ColumnIndex(record, "city");
  const int postal_col = ColumnIndex(record, "postal_code");
  const int region_col = ColumnIndex(record, "region");
  const int population_col = ColumnIndex(record, "population");
  const int lat_col = ColumnIndex(record, "lat");
  const int lon_col = ColumnIndex(record, "lon");
  if (std::min({name_col, postal_col, region_col, population_col, lat_col, lon_col}) < 0) {
    return Status::InvalidArgument(path.string() +
                                   ": expected columns city, postal_code, region, population, "
                                   "lat, lon");
  }
  std::vector<City> cities;
  while (reader.Next(&record)) {
    if (!record.ok()) {
      return Status::InvalidArgument(path.string() + ":" + std::to_string(record.line) + ": " +
                                     record.error_message);
    }
    City c;
    c.name = std::string(TrimAscii(FieldAt(record, name_col)));
    c.postal_code = std::string(TrimAscii(FieldAt(record, postal_col)));
    // A spreadsheet may have eaten the leading zero of an Ain or Aisne postal code.
    while (!c.postal_code.empty() && c.postal_code.size() < 5) c.postal_code.insert(0, "0");
    c.region = std::string(TrimAscii(FieldAt(record, region_col)));
    const auto parse = [&](int col, auto* value) {
      const std::string_view f = TrimAscii(FieldAt(record, col));
      return std::from_chars(f.data(), f.data() + f.size(), *value).ec == std::errc();
    };
    if (c.name.empty() || !parse(population_col, &c.population) || !parse(lat_col, &c.lat) ||
        !parse(lon_col, &c.lon)) {
      return Status::InvalidArgument(path.string() + ":" + std::to_string(record.line) +
                                     ": a city needs a name, a population and coordinates");
    }
    cities.push_back(std::move(c));
  }
  if (!reader.status().ok()) return reader.status().WithContext(path.string());
  return cities;
}

std::vector<DemoStore> ChooseStores(std::vector<City> cities, const DemoOptions& options) {
  std::stable_sort(cities.begin(), cities.end(),
                   [](const City& a, const City& b) { return a.population > b.population; });
  // The largest city of every region first, so that every zone has stores, then the next
  // largest cities.
  std::vector<bool> chosen(cities.size(), false);
  std::vector<std::string> regions_seen;
  size_t count = 0;
  const size_t wanted = std::min(cities.size(), static_cast<size_t>(options.stores));
  for (size_t i = 0; i < cities.size() && count < wanted; ++i) {
    if (std::find(regions_seen.begin(), regions_seen.end(), cities[i].region) ==
        regions_seen.end()) {
      regions_seen.push_back(cities[i].region);
      chosen[i] = true;
      ++count;
    }
  }
  for (size_t i = 0; i < cities.size() && count < wanted; ++i) {
    if (!chosen[i]) {
      chosen[i] = true;
      ++count;
    }
  }

  static constexpr std::string_view kStreets[] = {
      "rue de la République",   "avenue Jean Jaurès", "boulevard Victor Hugo",
      "rue du Général Leclerc", "avenue de la Gare",  "rue Nationale",
      "place de la Libération", "avenue Pasteur",     "rue Gambetta",
      "route de Paris",         "boulevard Carnot",   "rue de la Paix"};
  std::vector<DemoStore> stores;
  for (size_t i = 0; i < cities.size(); ++i) {
    if (!chosen[i]) continue;
    const City& c = cities[i];
    DemoStore s;
    char id[16];
    std::snprintf(id, sizeof id, "S%03zu", stores.size() + 1);
    s.id = id;
    const uint64_t h = StableHash(options.seed, s.id, "store");
    // The format follows the catchment: hypermarkets in the big cities, city stores in the
    // smaller ones.
    if (c.population >= 250000) {
      s.banner = "Hyper";
      s.services = "click_and_collect|delivery|drive";
      s.stock_scale = 3;
    } else if (c.population >= 120000) {
      s.banner = "Market";
      s.services = "click_and_collect|delivery";
      s.stock_scale = 2;
    } else {
      s.banner = "City";
      s.services = "click_and_collect";
      s.stock_scale = 1;
    }
    s.name = "Vitrine " + s.banner + " " + c.name;
    s.address = std::to_string(Pick(h, 1, 180)) + " " +
                std::string(kStreets[(h >> 8) % std::size(kStreets)]);
    s.postal_code = c.postal_code;
    s.city = c.name;
    // A store stands somewhere in town, not on the town hall: up to ±0.02° (about 2 km).
    s.lat = c.lat + static_cast<double>(Pick(h >> 16, -200, 200)) / 10000.0;
    s.lon = c.lon + static_cast<double>(Pick(h >> 32, -200, 200)) / 10000.0;
    s.price_zone = std::string(ZoneOfRegion(c.region));
    // Stores report stock at different times in the last hours.
    s.measured_at = options.now - std::chrono::minutes(Pick(h >> 40, 60, 6 * 60));
    stores.push_back(std::move(s));
  }
  return stores;
}

// ---------------------------------------------------------------------------------------
// Writing.

Status WriteProducts(const fs::path& path, const std::vector<DemoProduct>& products,
                     bool packshots) {
  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"id", "gtin", "title", "brand", "description", "category", "google_category",
         "net_quantity", "unit_pricing_base", "image_url", "perishable", "attributes"});
  for (const DemoProduct& p : products) {
    w.Field(p.id);
    w.Field(p.gtin);
    w.Field(p.title);
    w.Field(p.brand);
    w.Field(p.description);
    w.Field(p.category->path);
    w.Field(p.category->google_category);
    w.Field(p.net_quantity);
    w.Field(p.unit_pricing_base);
    w.Field(p.image_url);
    w.Field(p.perishable ? "true" : "false");
    nlohmann::json attributes = nlohmann::json::object();
    if (packshots) attributes["packshot"] = "images/" + p.id + ".png";
    w.Field(attributes.dump());
    w.EndRow();
  }
  return w.Close();
}

Status WriteStores(const fs::path& path, const std::vector<DemoStore>& stores) {
  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"id", "name", "banner", "address", "postal_code", "city", "country", "lat", "lon",
         "timezone", "price_zone", "services"});
  for (const DemoStore& s : stores) {
    w.Field(s.id);
    w.Field(s.name);
    w.Field(s.banner);
    w.Field(s.address);
    w.Field(s.postal_code);
    w.Field(s.city);
    w.Field("FR");
    w.FloatField(s.lat, 5);
    w.FloatField(s.lon, 5);
    w.Field("Europe/Paris");
    w.Field(s.price_zone);
    w.Field(s.services);
    w.EndRow();
  }
  return w.Close();
}

// Zone price adjustments: the share of products that carry a zone price, and the markup.
struct ZonePolicy {
  std::string_view zone;
  int share_percent;
  int markup_percent;
};
constexpr ZonePolicy kZonePolicies[] = {{"IDF", 100, 4}, {"SUD-EST", 35, 2}};

int64_t Adjust(int64_t cents, int percent) { return ShelfPrice(cents * (100 + percent) / 100); }

Result<int> WritePrices(const fs::path& path, const std::vector<DemoProduct>& products,
                        const std::vector<DemoStore>& stores, const DemoOptions& options) {
  const TimeZone& paris = TimeZone::Paris();
  const auto today = std::chrono::floor<std::chrono::days>(paris.ToLocal(options.now));
  // Local midnight `days_ago` days before today, as the retailer's price files state it.
  std::vector<std::string> midnights(static_cast<size_t>(options.history_days) + 1);
  for (int d = 0; d <= options.history_days; ++d) {
    midnights[static_cast<size_t>(d)] =
        paris.FormatRfc3339(paris.FromLocal(LocalTime(today - std::chrono::days(d))));
  }

  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"product_id", "level", "level_id", "price", "currency", "effective_from"});
  auto row = [&](const DemoProduct& p, std::string_view level, std::string_view level_id,
                 int64_t cents, int days_ago) {
    w.Field(p.id);
    w.Field(level);
    w.Field(level_id);
    w.DecimalField(cents, 2);
    w.Field("EUR");
    w.Field(midnights[static_cast<size_t>(days_ago)]);
    w.EndRow();
  };

  struct Change {
    int days_ago;
    int64_t cents;
  };
  std::vector<Change> history;
  for (const DemoProduct& p : products) {
    // The launch price, then 0 to 3 small moves (±2 to 8 %) on distinct later days.
    history.clear();
    history.push_back({options.history_days, p.launch_price});
    const uint64_t h = StableHash(options.seed, p.gtin, "price-history");
    const int moves = static_cast<int>(h % 4);
    std::vector<int> days;
    for (int m = 0; m < moves && options.history_days > 1; ++m) {
      const uint64_t mh = StableHash(options.seed, p.gtin, "move" + std::to_string(m));
      const int day = static_cast<int>(Pick(mh, 0, options.history_days - 1));
      if (std::find(days.begin(), days.end(), day) == days.end()) days.push_back(day);
    }
    std::sort(days.begin(), days.end(), std::greater<>());  // oldest (most days ago) first
    for (size_t m = 0; m < days.size(); ++m) {
      const uint64_t mh = StableHash(options.seed, p.gtin, "step" + std::to_string(m));
      const int percent = static_cast<int>(Pick(mh, 2, 8)) * ((mh >> 8) % 3 == 0 ? -1 : 1);
      history.push_back({days[m], Adjust(history.back().cents, percent)});
    }
    for (const Change& c : history) row(p, "national", "", c.cents, c.days_ago);

    // Zone prices follow every national move with the zone's markup.
    for (const ZonePolicy& zone : kZonePolicies) {
      const uint64_t zh = StableHash(options.seed, p.gtin, zone.zone);
      if (static_cast<int>(zh % 100) >= zone.share_percent) continue;
      for (const Change& c : history) {
        row(p, "zone", zone.zone, Adjust(c.cents, zone.markup_percent), c.days_ago);
      }
    }

    // A handful of store-level overrides: a store matching a local competitor, 5 % down
    // since a recent day.
    if (!stores.empty() && (h >> 16) % 50 == 0) {
      const DemoStore& store = stores[(h >> 24) % stores.size()];
      const int since = static_cast<int>(Pick(h >> 32, 0, std::min(20, options.history_days)));
      int64_t base = history.front().cents;
      for (const Change& c : history) {
        if (c.days_ago >= since) base = c.cents;
      }
      row(p, "store", store.id, Adjust(base, -5), since);
    }
  }
  const int rows = static_cast<int>(w.rows()) - 1;
  VITRINE_RETURN_IF_ERROR(w.Close());
  return rows;
}

Result<int> WriteStock(const fs::path& path, const std::vector<DemoProduct>& products,
                       const std::vector<DemoStore>& stores, const DemoOptions& options) {
  const TimeZone& paris = TimeZone::Paris();
  std::vector<std::string> measured(stores.size());
  for (size_t s = 0; s < stores.size(); ++s)
    measured[s] = paris.FormatRfc3339(stores[s].measured_at);

  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"product_id", "store_id", "quantity", "measured_at"});
  for (const DemoProduct& p : products) {
    for (size_t s = 0; s < stores.size(); ++s) {
      const uint64_t h = StableHash(options.seed ^ p.hash, stores[s].id, "stock");
      const int roll = static_cast<int>(h % 100);
      int64_t quantity;
      if (roll < 4) {
        quantity = 0;  // out of stock
      } else if (roll < 12) {
        quantity = Pick(h >> 8, 1, 4);  // limited availability (below the threshold of 5)
      } else {
        // Fresh products are ordered daily and kept shallow.
        const int64_t depth = (p.perishable ? 25 : 60) * stores[s].stock_scale;
        quantity = Pick(h >> 8, 5, depth);
      }
      w.Field(p.id);
      w.Field(stores[s].id);
      w.IntField(quantity);
      w.Field(measured[s]);
      w.EndRow();
    }
  }
  const int rows = static_cast<int>(w.rows()) - 1;
  VITRINE_RETURN_IF_ERROR(w.Close());
  return rows;
}

// Draws every product's packshot on two threads (the demo's budget is two cores).
Result<int> DrawPackshots(const fs::path& images_dir, const std::vector<DemoProduct>& products) {
  std::error_code ec;
  fs::create_directories(images_dir, ec);
  if (ec) return Status::IoError("cannot create " + images_dir.string() + ": " + ec.message());

  auto draw_range = [&](size_t first, size_t step) -> Status {
    for (size_t i = first; i < products.size(); i += step) {
      const DemoProduct& p = products[i];
      PackshotSpec spec;
      spec.title = p.title;
      spec.brand = p.brand;
      spec.category = std::string(p.category->path);
      spec.net_quantity = p.net_quantity;
      spec.colour_seed = p.hash;
      VITRINE_RETURN_IF_ERROR(DrawPackshot(spec, images_dir / (p.id + ".png")));
    }
    return Status::Ok();
  };
  Status other;
  std::thread helper([&] { other = draw_range(1, 2); });
  Status mine = draw_range(0, 2);
  helper.join();
  VITRINE_RETURN_IF_ERROR(mine);
  VITRINE_RETURN_IF_ERROR(other);
  return static_cast<int>(products.size());
}

}  // namespace

Result<DemoFiles> WriteDemoRetailer(const DemoOptions& options) {
  if (options.now == Instant{}) {
    return Status::InvalidArgument("demo: `now` must be set (the demo never reads the clock)");
  }
  if (options.stores < 1) return Status::InvalidArgument("demo: stores must be at least 1");
  if (options.history_days < 1 || options.history_days > 3650) {
    return Status::InvalidArgument("demo: history_days must be 1 to 3650");
  }
  if (options.max_products < 0) {
    return Status::InvalidArgument("demo: max_products must be 0 (all) or more");
  }

  DemoFiles files;
  Result<std::vector<DemoProduct>> products = ReadProducts(options, &files.skipped_rows);
  if (!products.ok()) return products.status();
  Result<std::vector<City>> cities = ReadCities(options.data_dir);
  if (!cities.ok()) return cities.status();
  if (options.stores > static_cast<int>(cities->size())) {
    return Status::InvalidArgument("demo: stores must be at most " +
                                   std::to_string(cities->size()) +
                                   ", one per city of fr-cities.csv");
  }
  const std::vector<DemoStore> stores = ChooseStores(std::move(*cities), options);

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::IoError("cannot create " + options.out_dir.string() + ": " + ec.message());

  files.products_csv = options.out_dir / "products.csv";
  files.stores_csv = options.out_dir / "stores.csv";
  files.prices_csv = options.out_dir / "prices.csv";
  files.stock_csv = options.out_dir / "stock.csv";

  VITRINE_RETURN_IF_ERROR(WriteProducts(files.products_csv, *products, options.packshots));
  files.products = static_cast<int>(products->size());
  VITRINE_RETURN_IF_ERROR(WriteStores(files.stores_csv, stores));
  files.stores = static_cast<int>(stores.size());
  Result<int> price_rows = WritePrices(files.prices_csv, *products, stores, options);
  if (!price_rows.ok()) return price_rows.status();
  files.price_rows = *price_rows;
  Result<int> stock_rows = WriteStock(files.stock_csv, *products, stores, options);
  if (!stock_rows.ok()) return stock_rows.status();
  files.stock_rows = *stock_rows;

  if (options.packshots) {
    files.images_dir = options.out_dir / "images";
    Result<int> drawn = DrawPackshots(files.images_dir, *products);
    if (!drawn.ok()) return drawn.status();
    files.packshots = *drawn;
  }
  return files;
}

}  // namespace vitrine
