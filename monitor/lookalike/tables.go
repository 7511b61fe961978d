package lookalike

// The tables below are facts about keyboards, glyph shapes and registry
// policies. The keyboard layouts, the glyph lists and the per-registry IDN
// repertoires follow dnstwist (release 20250130) so that this engine
// produces at least every name dnstwist does; the parity test holds us to it.

// keyboards lists, per layout, the keys next to each key.
var keyboards = map[string]map[byte]string{
	"qwerty": {
		'1': "2q", '2': "3wq1", '3': "4ew2", '4': "5re3", '5': "6tr4", '6': "7yt5", '7': "8uy6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'q': "12wa", 'w': "3esaq2", 'e': "4rdsw3", 'r': "5tfde4", 't': "6ygfr5", 'y': "7uhgt6", 'u': "8ijhy7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0",
		'a': "qwsz", 's': "edxzaw", 'd': "rfcxse", 'f': "tgvcdr", 'g': "yhbvft", 'h': "ujnbgy", 'j': "ikmnhu", 'k': "olmji", 'l': "kop",
		'z': "asx", 'x': "zsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
	},
	"qwertz": {
		'1': "2q", '2': "3wq1", '3': "4ew2", '4': "5re3", '5': "6tr4", '6': "7zt5", '7': "8uz6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'q': "12wa", 'w': "3esaq2", 'e': "4rdsw3", 'r': "5tfde4", 't': "6zgfr5", 'z': "7uhgt6", 'u': "8ijhz7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0",
		'a': "qwsy", 's': "edxyaw", 'd': "rfcxse", 'f': "tgvcdr", 'g': "zhbvft", 'h': "ujnbgz", 'j': "ikmnhu", 'k': "olmji", 'l': "kop",
		'y': "asx", 'x': "ysdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
	},
	"azerty": {
		'1': "2a", '2': "3za1", '3': "4ez2", '4': "5re3", '5': "6tr4", '6': "7yt5", '7': "8uy6", '8': "9iu7", '9': "0oi8", '0': "po9",
		'a': "2zq1", 'z': "3esqa2", 'e': "4rdsz3", 'r': "5tfde4", 't': "6ygfr5", 'y': "7uhgt6", 'u': "8ijhy7", 'i': "9okju8", 'o': "0plki9", 'p': "lo0m",
		'q': "zswa", 's': "edxwqz", 'd': "rfcxse", 'f': "tgvcdr", 'g': "yhbvft", 'h': "ujnbgy", 'j': "iknhu", 'k': "olji", 'l': "kopm", 'm': "lp",
		'w': "sxq", 'x': "wsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhj",
	},
}

// keyboardOrder fixes the iteration order over layouts.
var keyboardOrder = []string{"qwerty", "qwertz", "azerty"}

// glyphTable maps a source of one or two characters to look-alikes.
type glyphTable map[string][]string

// glyphsASCII are look-alikes that stay within ASCII, used for every
// suffix, including those whose registry allows no IDN at all.
var glyphsASCII = glyphTable{
	"0": {"o"}, "1": {"l", "i"}, "3": {"8"}, "6": {"9"}, "8": {"3"}, "9": {"6"},
	"b": {"d", "lb"}, "c": {"e"}, "d": {"b", "cl", "dl"}, "e": {"c"}, "g": {"q"}, "h": {"lh"},
	"i": {"1", "l"}, "k": {"lc"}, "l": {"1", "i"}, "m": {"n", "nn", "rn"}, "n": {"m", "r"},
	"o": {"0"}, "q": {"g"}, "u": {"v"}, "v": {"u"}, "w": {"vv"}, "rn": {"m"}, "cl": {"d"},
}

// glyphsUnicode are look-alikes for suffixes without a known repertoire.
var glyphsUnicode = glyphTable{
	"2": {"ƻ"}, "3": {"ʒ"}, "5": {"ƽ"},
	"a":  {"ạ", "ă", "ȧ", "ɑ", "å", "ą", "â", "ǎ", "á", "ə", "ä", "ã", "ā", "à"},
	"b":  {"ḃ", "ḅ", "ƅ", "ʙ", "ḇ", "ɓ"},
	"c":  {"č", "ᴄ", "ċ", "ç", "ć", "ĉ", "ƈ"},
	"d":  {"ď", "ḍ", "ḋ", "ɖ", "ḏ", "ɗ", "ḓ", "ḑ", "đ"},
	"e":  {"ê", "ẹ", "ę", "è", "ḛ", "ě", "ɇ", "ė", "ĕ", "é", "ë", "ē", "ȩ"},
	"f":  {"ḟ", "ƒ"},
	"g":  {"ǧ", "ġ", "ǵ", "ğ", "ɡ", "ǥ", "ĝ", "ģ", "ɢ"},
	"h":  {"ȟ", "ḫ", "ḩ", "ḣ", "ɦ", "ḥ", "ḧ", "ħ", "ẖ", "ⱨ", "ĥ"},
	"i":  {"ɩ", "ǐ", "í", "ɪ", "ỉ", "ȋ", "ɨ", "ï", "ī", "ĩ", "ị", "î", "ı", "ĭ", "į", "ì"},
	"j":  {"ǰ", "ĵ", "ʝ", "ɉ"},
	"k":  {"ĸ", "ǩ", "ⱪ", "ḵ", "ķ", "ᴋ", "ḳ"},
	"l":  {"ĺ", "ł", "ɫ", "ļ", "ľ"},
	"m":  {"ᴍ", "ṁ", "ḿ", "ṃ", "ɱ"},
	"n":  {"ņ", "ǹ", "ń", "ň", "ṅ", "ṉ", "ṇ", "ꞑ", "ñ", "ŋ"},
	"o":  {"ö", "ó", "ȯ", "ỏ", "ô", "ᴏ", "ō", "ò", "ŏ", "ơ", "ő", "õ", "ọ", "ø"},
	"p":  {"ṗ", "ƿ", "ƥ", "ṕ"},
	"q":  {"ʠ"},
	"r":  {"ʀ", "ȓ", "ɍ", "ɾ", "ř", "ṛ", "ɽ", "ȑ", "ṙ", "ŗ", "ŕ", "ɼ", "ṟ"},
	"s":  {"ṡ", "ș", "ŝ", "ꜱ", "ʂ", "š", "ś", "ṣ", "ş"},
	"t":  {"ť", "ƫ", "ţ", "ṭ", "ṫ", "ț", "ŧ"},
	"u":  {"ᴜ", "ų", "ŭ", "ū", "ű", "ǔ", "ȕ", "ư", "ù", "ů", "ʉ", "ú", "ȗ", "ü", "û", "ũ", "ụ"},
	"v":  {"ᶌ", "ṿ", "ᴠ", "ⱴ", "ⱱ", "ṽ"},
	"w":  {"ᴡ", "ẇ", "ẅ", "ẃ", "ẘ", "ẉ", "ⱳ", "ŵ", "ẁ"},
	"x":  {"ẋ", "ẍ"},
	"y":  {"ŷ", "ÿ", "ʏ", "ẏ", "ɏ", "ƴ", "ȳ", "ý", "ỿ", "ỵ"},
	"z":  {"ž", "ƶ", "ẓ", "ẕ", "ⱬ", "ᴢ", "ż", "ź", "ʐ"},
	"ae": {"æ"}, "oe": {"œ"},
}

// noIDN is the repertoire of registries that accept no IDN at all.
var noIDN = glyphTable{}

// idnBySuffix holds the characters registries actually accept, so that
// homoglyphs for .de are German-registry letters and .uk gets none. A
// suffix absent here falls back to its TLD, then to glyphsUnicode.
var idnBySuffix = func() map[string]*glyphTable {
	m := map[string]*glyphTable{}
	set := func(t glyphTable, suffixes ...string) {
		p := &t
		if len(t) == 0 {
			p = &noIDN
		}
		for _, s := range suffixes {
			m[s] = p
		}
	}
	set(noIDN, "ad", "cz", "sk", "uk", "co.uk", "nl", "edu", "us", "jp", "co.jp", "ad.jp", "ne.jp",
		"cn", "com.cn", "tw", "com.tw", "net.tw")
	set(glyphTable{
		"a": {"á", "ä", "å", "ą"}, "c": {"ć", "č"}, "e": {"é", "ė", "ę"}, "i": {"í", "į"}, "l": {"ł"},
		"n": {"ñ", "ń"}, "o": {"ó", "ö", "ø", "ő"}, "s": {"ś", "š"}, "u": {"ú", "ü", "ū", "ű", "ų"},
		"z": {"ź", "ż", "ž"}, "ae": {"æ"},
	}, "info")
	set(glyphTable{
		"a": {"à", "á", "â", "ã"}, "c": {"ç"}, "e": {"é", "ê"}, "i": {"í"}, "o": {"ó", "ô", "õ"},
		"u": {"ú", "ü"}, "y": {"ý", "ÿ"},
	}, "br", "com.br")
	set(glyphTable{
		"a": {"ä", "å"}, "e": {"é"}, "o": {"ö", "ø"}, "u": {"ü"}, "ae": {"æ"},
	}, "dk")
	set(glyphTable{
		"a": {"á", "à", "ă", "â", "å", "ä", "ã", "ą", "ā"}, "c": {"ć", "ĉ", "č", "ċ", "ç"}, "d": {"ď", "đ"},
		"e": {"é", "è", "ĕ", "ê", "ě", "ë", "ė", "ę", "ē"}, "g": {"ğ", "ĝ", "ġ", "ģ"}, "h": {"ĥ", "ħ"},
		"i": {"í", "ì", "ĭ", "î", "ï", "ĩ", "į", "ī"}, "j": {"ĵ"}, "k": {"ķ", "ĸ"}, "l": {"ĺ", "ľ", "ļ", "ł"},
		"n": {"ń", "ň", "ñ", "ņ"}, "o": {"ó", "ò", "ŏ", "ô", "ö", "ő", "õ", "ø", "ō"}, "r": {"ŕ", "ř", "ŗ"},
		"s": {"ś", "ŝ", "š", "ş"}, "t": {"ť", "ţ", "ŧ"}, "u": {"ú", "ù", "ŭ", "û", "ů", "ü", "ű", "ũ", "ų", "ū"},
		"w": {"ŵ"}, "y": {"ý", "ŷ", "ÿ"}, "z": {"ź", "ž", "ż"}, "ae": {"æ"}, "oe": {"œ"},
	}, "eu", "de", "pl")
	set(glyphTable{
		"3": {"ʒ"}, "a": {"á", "ä", "å", "â"}, "c": {"č"}, "d": {"đ"}, "g": {"ǧ", "ǥ"}, "k": {"ǩ"}, "n": {"ŋ"},
		"o": {"õ", "ö"}, "s": {"š"}, "t": {"ŧ"}, "z": {"ž"},
	}, "fi")
	set(glyphTable{
		"a": {"á", "à", "ä", "å"}, "c": {"č", "ç"}, "e": {"é", "è", "ê"}, "i": {"ï"}, "n": {"ŋ", "ń", "ñ"},
		"o": {"ó", "ò", "ô", "ö", "ø"}, "s": {"š"}, "t": {"ŧ"}, "u": {"ü"}, "z": {"ž"}, "ae": {"æ"},
	}, "no")
	set(glyphTable{
		"a": {"à", "á", "â", "ã", "ä", "å"}, "c": {"ç"}, "e": {"è", "é", "ê", "ë"}, "i": {"ì", "í", "î", "ï"},
		"n": {"ñ"}, "o": {"ò", "ó", "ô", "õ", "ö"}, "u": {"ù", "ú", "û", "ü"}, "y": {"ý", "ÿ"},
		"ae": {"æ"}, "oe": {"œ"},
	}, "be", "fr", "re", "yt", "pm", "wf", "tf", "ch", "li")
	set(glyphTable{
		"a": {"à", "â"}, "c": {"ç"}, "e": {"è", "é", "ê", "ë"}, "i": {"î", "ï"}, "o": {"ô"},
		"u": {"ù", "û", "ü"}, "y": {"ÿ"}, "ae": {"æ"}, "oe": {"œ"},
	}, "ca")
	return m
}()

// repertoire returns the IDN glyph table a suffix's registry allows and
// whether it is a restricted one (known), as opposed to the open default.
func repertoire(suffix string) (*glyphTable, bool) {
	if t, ok := idnBySuffix[suffix]; ok {
		return t, true
	}
	if t, ok := idnBySuffix[lastLabel(suffix)]; ok {
		return t, true
	}
	return &glyphsUnicode, false
}

// latinToCyrillic rewrites a whole label in Cyrillic when every letter has
// a Cyrillic twin.
var latinToCyrillic = map[rune]rune{
	'a': 'а', 'b': 'ь', 'c': 'с', 'd': 'ԁ', 'e': 'е', 'g': 'ԍ', 'h': 'һ',
	'i': 'і', 'j': 'ј', 'k': 'к', 'l': 'ӏ', 'm': 'м', 'o': 'о', 'p': 'р',
	'q': 'ԛ', 's': 'ѕ', 't': 'т', 'v': 'ѵ', 'w': 'ԝ', 'x': 'х', 'y': 'у',
}

// multiChar pairs ASCII sequences that read alike in most fonts, in both
// directions: "rn" for "m", "vv" for "w", "cl" for "d".
var multiChar = [][2]string{
	{"m", "rn"}, {"m", "nn"}, {"m", "rr"}, {"m", "iii"},
	{"w", "vv"}, {"w", "uu"},
	{"d", "cl"}, {"d", "ol"},
	{"k", "lc"}, {"k", "lk"}, {"k", "ik"},
	{"b", "lb"}, {"b", "ib"},
	{"h", "lh"}, {"h", "ln"}, {"h", "ih"},
	{"n", "ri"}, {"u", "ii"}, {"a", "ci"}, {"g", "cj"}, {"q", "cj"},
	{"o", "0"}, {"l", "1"}, {"i", "1"}, {"l", "i"}, {"s", "5"}, {"e", "3"}, {"a", "4"}, {"b", "8"}, {"g", "9"}, {"t", "7"},
}

// Keywords are what phishers add to a brand: "paypal-login.com",
// "secure-paypal.com".
var Keywords = []string{
	"login", "logon", "signin", "sign-in", "secure", "security", "support", "help", "helpdesk", "account", "accounts",
	"verify", "verification", "validate", "update", "confirm", "auth", "sso", "id", "portal", "my", "online",
	"web", "app", "mobile", "service", "services", "customer", "care", "billing", "invoice", "pay", "payment",
	"payments", "wallet", "bank", "banking", "card", "cards", "refund", "claim", "bonus", "gift", "promo", "free",
	"shop", "store", "official", "careers", "career", "jobs", "job", "hr", "hiring", "recruit", "team", "staff",
	"mail", "email", "webmail", "cloud", "vpn", "admin", "office", "corp", "group", "global", "inc", "llc",
	"alert", "alerts", "notice", "recovery", "reset", "unlock", "access", "connect", "info", "news", "center",
	"hub", "net", "online", "tech", "it", "dev", "api", "cdn", "static", "token", "crypto", "nft", "airdrop",
}

// CommonTLDs are the suffixes tld-swap tries by default: the big gTLDs and
// ccTLDs, and the cheap new gTLDs phishing favours.
var CommonTLDs = []string{
	"com", "net", "org", "info", "biz", "co", "io", "us", "uk", "co.uk", "de", "fr", "it", "es", "nl", "eu",
	"ru", "cn", "jp", "in", "br", "com.br", "au", "com.au", "ca", "ch", "se", "no", "dk", "fi", "pl", "cz",
	"be", "at", "pt", "ie", "mx", "ar", "cl", "kr", "tw", "hk", "sg", "my", "ph", "vn", "id", "th", "tr",
	"ua", "za", "ng", "ke", "ae", "sa", "il", "nz", "me", "tv", "cc", "ws", "la", "to", "ai", "gg", "ly",
	"app", "dev", "xyz", "top", "online", "site", "shop", "store", "live", "club", "tech", "vip", "icu",
	"pro", "link", "click", "support", "help", "services", "agency", "cloud", "email", "host", "space",
	"website", "fun", "buzz", "monster", "rest", "cfd", "sbs", "lol", "bond", "asia", "mobi", "name",
	"page", "work", "zone", "digital", "network", "group", "company", "solutions", "world", "today",
	"finance", "bank", "money", "pay", "security", "login", "account", "global", "cyou", "quest",
}
