"""The words and markup that reveal a checkout fact on a page.

English first, with the most common German, French, Spanish and Dutch
wordings; ``docs/checkout.md`` lists what each fact is recognised by. The
patterns are deliberately narrow: a missed fact costs a finding a person can
check, a false one hides a real problem.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

_AMOUNT = r"\d{1,3}(?:[.,\s]?\d{3})*(?:[.,]\d{1,2})?"
_CURRENCY = r"(?:[$€£¥₹]|\b(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|pln|czk|kr|zł|r\$))"
MONEY = re.compile(rf"{_CURRENCY}\s?-?{_AMOUNT}|{_AMOUNT}\s?{_CURRENCY}", _I)
FREE = re.compile(r"\bfree\b|\bkostenlos|\bgratis\b|\bgratuit", _I)

SHIPPING_WORD = re.compile(
    r"\b(shipping|delivery|postage|p\s?&\s?p|versand(kosten)?|lieferung|livraison|"
    r"env[ií]o|frete|verzending|bezorging)\b",
    _I,
)
#: "Calculated at next step": the cost is hidden until later.
SHIPPING_LATER = re.compile(
    r"(calculated|determined|shown|added|confirmed)\s+(at|in|on|during)\s+(the\s+)?"
    r"(next\s+(step|page)|checkout|final\s+step|later)|"
    r"enter\s+(your\s+|an?\s+)?(shipping\s+|delivery\s+)?address\s+to\s+(view|see|calculate|get)|"
    r"to\s+be\s+calculated|not\s+yet\s+calculated|"
    r"(fill\s+in|enter)\s+(your\s+|the\s+)?(shipping\s+|delivery\s+)?address\s+to\s+see",
    _I,
)
#: Ids and classes of a list of shipping methods with their prices.
SHIPPING_METHOD_ZONE = re.compile(
    r"shipping[-_]?methods?|delivery[-_]?methods?|shipping[-_]?rates?|shipping[-_]?options?|"
    r"delivery[-_]?options?",
    _I,
)
FREE_SHIPPING_THRESHOLD = re.compile(
    r"free\s+(standard\s+|express\s+)?(shipping|delivery|postage|versand|lieferung)\b[^.!]{0,40}?"
    r"\b(over|above|from|ab|orders?\s+of|when\s+you\s+spend|on\s+orders|for\s+orders|min)\b|"
    rf"(spend|add)\s+(another\s+|only\s+|just\s+)?{MONEY.pattern}\s+(more\s+)?[^.!]{{0,40}}"
    r"free\s+(shipping|delivery)|"
    r"away\s+from\s+free\s+(shipping|delivery)|"
    r"(qualif\w+|unlocked|eligible)\s+(for\s+)?free\s+(shipping|delivery)|"
    r"versandkostenfrei\s+ab|livraison\s+gratuite\s+(d[èe]s|[àa]\s+partir)",
    _I,
)
TOTAL = re.compile(
    r"(?<!sub)(?<!sub-)(?<!sub\s)(?<!item\s)(?<!items\s)\b(order\s+|grand\s+|estimated\s+)?total\b|"
    r"\bgesamt(summe|betrag)?\b",
    _I,
)
#: How close (in characters) a label and its amount must be to read as one statement.
NEAR = 60
DELIVERY_ESTIMATE = re.compile(
    r"\b(arrives?|arriving|get\s+it|delivered|delivery|receive\s+it|ships?|dispatch(ed|es)?|"
    r"expected|lieferung|livraison)\b[^.!]{0,40}?\b(by|on|between|within|in|bis|am|le)\s+"
    r"(\w+\s+){0,2}?(\d|tomorrow|today|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec|one|two|three|a\s+few|morgen)|"
    r"\b(estimated|expected|estimate)\s+(delivery|arrival|shipping\s+date|dispatch)|"
    r"\b\d+\s*(?:-|–|to)\s*\d+\s+(business\s+|working\s+|week)?days?\b|"
    r"\b(next|same)[-\s]day\s+delivery|\blieferzeit\b|\bvoraussichtliche\s+lieferung",
    _I,
)
RETURN_POLICY_TEXT = re.compile(
    r"\b(return|refund|exchange)s?\s+(policy|polic(ies)?|&\s+refunds?|and\s+(refunds?|exchanges)|"
    r"info(rmation)?)\b|\bfree\s+returns?\b|\b\d+[-\s]days?\s+(free\s+)?returns?\b|"
    r"\bmoney[-\s]back\b|\br[üu]ckgabe|\bwiderruf|\bretours?\s+gratuits?|\bdevoluciones\b",
    _I,
)
RETURN_POLICY_LINK_TEXT = re.compile(r"^\W*(free\s+)?returns?\W*$|^\W*refunds?\W*$", _I)
RETURN_POLICY_HREF = re.compile(
    r"/(returns?|refunds?|return[-_]polic\w*|refund[-_]polic\w*|widerruf\w*|retours?)(\b|[/.?#_-])",
    _I,
)
TRUST_TEXT = re.compile(
    r"\bsecure\s+(checkout|payments?|shopping|connection|transactions?|site)\b|\bssl\b|"
    r"\b\d{3}-bit\b|\bencrypt(ed|ion)\b|\bsafe\s+(and|&)\s+secure\b|\bbuyer\s+protection\b|"
    r"\bpci[-\s]dss\b|\btrusted\s+shops\b|\btrustpilot\b|\bnorton\b|\bmcafee\b|"
    r"\b3-?d\s+secure\b|\bguaranteed\s+safe\b|"
    r"\byour\s+(payment|data|information|details)\s+(is|are)\s+(safe|secure|protected|encrypted)\b|"
    r"\bsichere?\s+(zahlung|bezahlung|verbindung)\b|\bpaiement\s+s[ée]curis[ée]\b",
    _I,
)
TRUST_MARKUP = re.compile(
    r"norton|mcafee|trustpilot|trusted[-_ ]?shops|\bssl\b|padlock|geotrust|comodo|sectigo|"
    r"verisign|truste\b|trust[-_]?badge|secure[-_ ]?(checkout|payment|badge)|"
    r"\b(fa|bi|icon|glyphicon)-lock\b|lock-icon|icon-secure|shield-check",
    _I,
)
CHAT_VENDORS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, _I)
    for name, pattern in {
        "Intercom": r"intercom",
        "Zendesk": r"zopim|zdassets|ze-snippet|zendesk",
        "Drift": r"js\.driftt|drift-widget|drift-frame",
        "tawk.to": r"tawk\.to|tawk-",
        "LiveChat": r"livechatinc|chat-widget-container",
        "Crisp": r"crisp\.chat|crisp-client",
        "HubSpot": r"js\.hs-scripts|hubspot-messages",
        "Tidio": r"tidio",
        "Freshchat": r"freshchat|wchat\.freshchat",
        "Olark": r"olark",
        "Gorgias": r"gorgias",
        "Zoho SalesIQ": r"salesiq|zsiq",
        "Messenger": r"fb-customerchat",
        "Smartsupp": r"smartsupp",
        "Userlike": r"userlike",
        "Chatra": r"chatra",
        "Help Scout": r"beacon-v2|helpscout",
    }.items()
}
CHAT_TEXT = re.compile(
    r"\blive\s+chat\b|\bchat\s+with\s+(us|an?\s+\w+)\b|\bchat\s+now\b|\bstart\s+(a\s+)?chat\b|"
    r"\btalk\s+to\s+(us|an?\s+expert)\b|\blive[-\s]?hilfe\b",
    _I,
)

GUEST = re.compile(
    r"\bguest\b|without\s+(an?\s+)?(account|registration|registering|signing\s+up)|"
    r"\bno\s+account\b|skip\s+(sign|log)|continue\s+without|\bals\s+gast\b|"
    r"en\s+tant\s+qu['’]invit|como\s+invitado|\bals\s+gast\b|zonder\s+account",
    _I,
)
SIGN_IN = re.compile(
    r"\b(sign|log)\s*-?\s*in\b|\banmelden\b|\bse\s+connecter\b|\biniciar\s+sesi|\binloggen\b", _I
)
CREATE_ACCOUNT = re.compile(
    r"create\s+(an?\s+|my\s+)?account|\bregister\b|\bsign\s*-?\s*up\b|\bregistrieren\b|"
    r"konto\s+(erstellen|anlegen)|cr[ée]er\s+un\s+compte|crear\s+(una\s+)?cuenta",
    _I,
)
PRIMARY_CLASS = re.compile(
    r"primary|\bcta\b|\balt\b|button--main|btn-main|action\s+primary|btn-dark|btn-success", _I
)
OPTIONAL = re.compile(r"\boptional\b|\bfacultati|\bopcional\b|\boptioneel\b|\bfreiwillig\b", _I)
SOLD_OUT = re.compile(
    r"\bsold\s+out\b|\bout\s+of\s+stock\b|\bcurrently\s+unavailable\b|\bno\s+longer\s+available\b|"
    r"\bausverkauft\b|\bnicht\s+(auf\s+lager|verf[üu]gbar)\b|\bépuisé\b|\bagotado\b",
    _I,
)
PROCEED = re.compile(
    r"place\s+(my\s+)?order|pay\s+now|complete\s+(my\s+)?(order|purchase)|buy\s+now|"
    r"confirm\s+(and\s+pay|order|purchase)|submit\s+order|proceed\s+to\s+(checkout|payment)|"
    r"\bcheckout\b|\bcheck\s+out\b|continue\s+to\s+(checkout|payment|shipping)|"
    r"zahlungspflichtig|jetzt\s+kaufen|commander",
    _I,
)
CONFIRMATION_EMAIL = re.compile(
    r"(confirmation|receipt|order)\s+(e-?mail|email)|we('ve|\s+have|\s+will)\s+(sent|send|e-?mailed)"
    r"|you('ll|\s+will)\s+receive\s+an?\s+(e-?mail|email)|(e-?mail|email)\s+confirmation",
    _I,
)
TRACKING_EMAIL = re.compile(
    r"(tracking|shipping|dispatch)\s+(number|link|details|confirmation|update)s?\b[^.]{0,60}"
    r"(e-?mail|email)|(e-?mail|email)[^.]{0,60}(tracking|when\s+(it|your\s+order)\s+ships)",
    _I,
)
ERROR_MARKUP = re.compile(
    r"invalid-feedback|\berror\b|field-error|form-error|error-message|errormessage|"
    r"validation-message|mage-error|help-block|input-error|is-invalid|has-error|alert",
    _I,
)
VALIDATION_ATTRIBUTES = ("data-validate", "data-val", "data-parsley-required", "data-rule-required")

SEARCH = re.compile(r"search|\bsuche\b|recherche", _I)
NEWSLETTER = re.compile(r"newsletter|subscribe", _I)
COUPON = re.compile(r"coupon|promo|voucher|discount|gift.?card|rabatt|gutschein|code\s+promo", _I)
QUANTITY = re.compile(r"\bqty\b|quantity|\bmenge\b|quantit|cantidad|\[qty\]", _I)
LOGIN_FORM = re.compile(r"login|log-in|sign-?in|signin|authenticat", _I)

STEP_CONTAINER = re.compile(
    r"step|progress|breadcrumb|checkout-nav|stepper|opc-progress|tunnel|wizard", _I
)
STEP_WORDS = re.compile(
    r"cart|bag|basket|shipping|delivery|address|payment|pay\b|review|confirm|order|details|"
    r"information|billing|account|sign\s*in|log\s*in|summary|done|complete|personal|"
    r"contact|versand|zahlung|adresse|livraison|paiement|env[ií]o|pago",
    _I,
)
STEP_OUTSIDE = re.compile(r"^\W*\d*\W*(cart|bag|basket|warenkorb|panier|carrito)\b", _I)
STEP_DONE = re.compile(r"thank|complete|done|confirmation|success|finish", _I)
#: A "Complete" step that is really the order review, where the order is placed.
STEP_REVIEW = re.compile(r"review|confirm\s+your|place\s+(your\s+)?order", _I)

CART_PAGE = re.compile(
    r"\b(shopping\s+)?(cart|basket|bag|warenkorb|panier|carrito|winkelwagen)\b", _I
)
CONFIRMATION_PAGE = re.compile(
    r"thank\s+you|order\s+(received|confirmed|complete|placed|confirmation)|"
    r"\bconfirmation\b|checkout[-_\s]success|danke\s+f[üu]r|merci\s+pour",
    _I,
)

#: Payment methods, by id: a pattern searched in visible text and in the
#: attributes of elements (alt, title, aria-label, value, class, id, image file name).
PAYMENT_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, _I)
    for name, pattern in {
        "card": r"(credit|debit)(\s+or\s+debit)?[\s_-]*cards?\b|kreditkarte|carte\s+bancaire|"
        r"tarjeta\s+de\s+cr[ée]dito|pay\s+(by|with)\s+card|\bcard\s+payment|stripe[-_]?card|"
        r"card-element|hosted-fields|\bcreditcard\b",
        "visa": r"\bvisa\b",
        "mastercard": r"master\s?card",
        "amex": r"american\s+express|\bamex\b",
        "maestro": r"\bmaestro\b",
        "paypal": r"pay\s?pal",
        "apple_pay": r"apple[\s_-]?pay",
        "google_pay": r"google[\s_-]?pay|\bg[\s_-]?pay\b|\bgpay",
        "amazon_pay": r"amazon[\s_-]?pay",
        "shop_pay": r"shop[\s_-]?pay\b",
        "klarna": r"klarna",
        "afterpay": r"afterpay|clearpay",
        "affirm": r"\baffirm\b",
        "bancontact": r"bancontact",
        "sofort": r"\bsofort",
        "giropay": r"giropay",
        "sepa": r"\bsepa\b|lastschrift|direct\s+debit",
        "przelewy24": r"przelewy24|\bp24\b",
        "blik": r"\bblik\b",
        "twint": r"\btwint\b",
        "vipps": r"\bvipps\b",
        "mobilepay": r"mobilepay",
        "mb_way": r"\bmb\s?way\b",
        "boleto": r"\bboleto\b",
        "bank_transfer": r"bank\s+transfer|wire\s+transfer|direct\s+bank\s+transfer|\bbacs\b|"
        r"[üu]berweisung|vorkasse|virement",
        "cash_on_delivery": r"cash\s+on\s+delivery|\bcod\b|nachnahme|contre[-\s]remboursement|"
        r"pay\s+on\s+delivery",
        "invoice": r"pay\s+(by|on|with)\s+invoice|\bkauf\s+auf\s+rechnung|\bpay\s+later\b",
    }.items()
}
#: Words that name a method only in a payment context (a radio, a payment section).
PAYMENT_CONTEXT_PATTERNS: dict[str, re.Pattern[str]] = {
    "card": re.compile(r"\bcards?\b|\bcredit\b", _I),
    "ideal": re.compile(r"\bideal\b", _I),
    "swish": re.compile(r"\bswish\b", _I),
    "pix": re.compile(r"\bpix\b", _I),
    "eps": re.compile(r"\beps\b", _I),
    "invoice": re.compile(r"\binvoice\b|\brechnung\b|\bfactura\b|\bfacture\b", _I),
    "cash_on_delivery": re.compile(r"\bcash\b", _I),
    "bank_transfer": re.compile(r"\bbank\b", _I),
}
PAYMENT_ZONE = re.compile(r"payment|paiement|zahlung|pago|pay[-_]?method|wallet|express", _I)
