"""Rule-based understanding of one customer message: intent and slots without any model.

Deterministic fallback that fills `graph.understanding.Understanding`. It generalises over patterns of the
language (number words, currencies, thousands separators, units, Mexican slang, typos, word order) rather
than over known sentences. Matching runs on a lowercased, accent-free copy of the text that keeps every index
of the original, so spans returned "as written" (brand, name, visit time) are cut from the original text.
Numeric slots are read from a canonical copy in which every number phrase ("trescientos mil", "1.5M",
"$300,000", "80k") has been rewritten as plain digits.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from graph.understanding import Intent, Language, Understanding

MAX_CHARS = 4000
MIN_MONEY = 1000
MIN_BARE_MONEY = 10_000
MAX_MONEY = 100_000_000
FIRST_YEAR, LAST_YEAR = 1990, 2035
MILES_TO_KM = 1.609

# ---------------------------------------------------------------------------------------------------------
# Word tables
# ---------------------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A word table from a whitespace-separated string."""
    return frozenset(text.split())


_EN_STOP = _words(
    """the an is are am was were do does did you your i have has any some for with under over below above
    of to what how much many want need looking can could would will my it this that these those and or
    please thanks thank hi hello hey yes in on at be like show which there about from between less more
    than cheap cheapest car cars truck trucks tomorrow today morning afternoon evening see get buy
    finance financing payment payments monthly month months year years down budget price where when who
    we they our just only also if but not good great one available interested schedule appointment
    around most least up newer older new used sell selling looking want wanna gonna let lets me after before
    all previous forget ignore now give tell know take go come here then them their its off"""
) - {"me"}
_ES_STOP = _words(
    """el la los las un una unos unas de del que y en por para con es son esta estan tienes tiene tienen
    hay quiero quisiera busco necesito ocupo mi mis tu su cuanto cuanta cuantos como cual cuales donde
    cuando hola gracias buenas buenos dias tardes noches auto autos carro carros coche coches camioneta
    menos mas anos meses mes mil pesos enganche mensualidad precio presupuesto si ese esa este puedo
    puede ver al lo le se muy bien algo algun alguna tambien pero o sin hasta desde sobre entre porque
    pues ya aqui eso esto credito manana hoy favor nuevo usado seminuevo barato dame quieres ustedes
    usted"""
)

_UNITS: dict[str, int] = {
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
    "veintiuno": 21,
    "veintiun": 21,
    "veintidos": 22,
    "veintitres": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "veintiseis": 26,
    "veintisiete": 27,
    "veintiocho": 28,
    "veintinueve": 29,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "doscientas": 200,
    "trescientos": 300,
    "trescientas": 300,
    "cuatrocientos": 400,
    "cuatrocientas": 400,
    "quinientos": 500,
    "quinientas": 500,
    "seiscientos": 600,
    "seiscientas": 600,
    "setecientos": 700,
    "setecientas": 700,
    "ochocientos": 800,
    "ochocientas": 800,
    "novecientos": 900,
    "novecientas": 900,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_NUMBERS = _words(
    """two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
    eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million millions
    half"""
)
_ES_NUMBERS = frozenset(_UNITS) - _EN_NUMBERS - {"once"} | {"mil", "millon", "millones", "medio"}
_ONE_WORDS = frozenset({"un", "una", "uno", "one", "a", "an"})
_MULT_WORDS: dict[str, int] = {
    "mil": 1000,
    "thousand": 1000,
    "thousands": 1000,
    "grand": 1000,
    "lucas": 1000,
    "luca": 1000,
    "k": 1000,
    "millon": 10**6,
    "millones": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "mdp": 10**6,
    "mill": 10**6,
    "mm": 10**6,
    "m": 10**6,
}
_AFTER_DIGITS_ONLY = frozenset({"k", "m", "mm", "mdp", "mill"})
_BIG_WORDS = frozenset({"mil", "millon", "millones", "million", "thousand", "hundred"})

_MAKES = _words(
    """chevrolet chevy chevys chevi chevis cheby chebys chebi chebis chevrole gm nissan nisan nissa nisann
    volkswagen volks vw volkswaguen wolkswagen volswagen vocho vochito vochos bocho toyota toyo honda
    mazda kia hyundai hiundai hundai ford jeep dodge chrysler fiat renault peugeot pegeot cupra audi bmw
    bimmer beemer mercedes merce benz volvo suzuki mitsubishi mitsu subaru jac mg byd chirey tesla
    lincoln cadillac buick gmc acura infiniti lexus porsche citroen baic haval geely changan omoda
    jetour gwm isuzu opel skoda landrover"""
)
_MODELS = _words(
    """aveo onix cruze spark sonic beat tracker trax captiva equinox tahoe suburban silverado cheyenne
    blazer malibu camaro cavalier tornado groove sentra versa tsuru tiida altima pathfinder murano juke
    qashqai xtrail navara np300 urvan jetta vento golf tiguan taos passat touareg teramont amarok
    saveiro virtus beetle tcross corolla camry yaris prius hilux tacoma tundra highlander sequoia raize
    rav4 crv hrv brv wrv civic odyssey ridgeline cx3 cx30 cx5 cx9 cx50 cx90 mx5 miata forte sportage
    sorento seltos picanto stinger elantra tucson creta ibiza arona ateca tarraco mustang bronco
    ecosport explorer expedition figo ikon ranger maverick lobo wrangler cherokee gladiator durango
    charger challenger pacifica palio duster koleos captur sandero stepway kwid kangoo oroch kardian
    megane clio fluence partner rifter xc40 xc60 xc90 s60 s90 cooper countryman evoque discovery vitara
    jimny ertiga ciaz baleno ignis outlander lancer montero l200 forester outback impreza crosstrek xv
    tiggo arrizo jolion sei2 sei3 sei4 mg5 zs hs i10 i20 accent"""
)
# Model names that are also ordinary words: only when capitalised mid-sentence or next to a make.
_AMBIGUOUS_MODELS = _words(
    """uno one march gol rio fit edge escape city note fiesta focus fusion journey compass pilot accord
    soul avanza leon toledo seat mini ram logan kicks sienna rush up ka leaf swift mirage patriot
    renegade liberty colorado sierra territory polo neon dart attitude frontier smart jaguar maxima
    insight passport element defender velar express"""
)
_BRAND_WORDS = _MAKES | _MODELS
_BRAND_RXS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:cx|mx)[- ]?\d{1,2}\b",
        r"\b(?:cr|hr|br|wr)[- ]v\b",
        r"\brav[- ]4\b",
        r"\bx[- ]trail\b",
        r"\bt[- ]cross\b",
        r"\bserie [1-8]\b",
        r"\bclase (?:a|b|c|e|g|s|cla|cls|gla|glb|glc|gle|gls)\b",
        r"\bf-?150\b",
        r"\bnp ?300\b",
        r"\bgrand (?:cherokee|i10|vitara)\b",
        r"\b(?:range|land) rover\b",
        r"\bmercedes[- ]benz\b",
        r"\balfa romeo\b",
        r"\bgreat wall\b",
        r"\bmini cooper\b",
        r"\b[xq][1-8]\b",
        r"\ba[1-8]\b",
        r"\bxc ?[4-9]0\b",
        r"\bmodel [3sxy]\b",
        r"\bmazda ?[236]\b",
    )
)
_BRAND_TRIGGERS = _words(
    """un una el la los las any a the some de del al tienes tienen tiene have has algun alguna otro otra
    hay ese esa"""
)
_PLACE_VERBS = _words("soy vengo vivo estoy somos desde ciudad estado colonia zona cerca area sucursal")

_PLACE_PREPOSITIONS = frozenset({"en", "hacia", "desde", "hasta", "por", "rumbo", "in", "to", "at", "near"})
_BODY_WORDS = _words(
    """sedan sedanes sedans hatchback hatchbacks hatch hb suv suvs camioneta camionetas camionetita
    camionetitas crossover crossovers todoterreno pickup pickups pick troca trocas troka trokas trokita
    trokitas troquita minivan minivans van vans familiar coupe coupes cupe deportivo deportivos deportiva
    truck trucks"""
)
_FINANCE_WORDS = _words(
    """mensualidad mensualidades mensual mensuales financiamiento financiar financiado credito creditos
    enganche plazo plazos monthly payment payments finance financing loan installments interes intereses
    cotizacion cotizar abonos"""
)
_SCHEDULE_WORDS = _words(
    """agendar agenda cita citas visita visitar prueba manejo appointment schedule apartar apartarlo
    reservar"""
)
_SEARCH_WORDS = _words(
    """busco buscando quiero quisiera necesito ocupo tienes tienen opciones muestrame ensename recomiendas
    recomiendan disponible disponibles inventario catalogo looking options cheapest barato economico
    interesa interested"""
)
_MISC_KEYWORDS = _words(
    """presupuesto maximo minimo alrededor aproximadamente millones kilometros kilometraje kilometers thousand
    million hundred budget instrucciones instructions descuento discount gracias buenas tardes noches"""
)
_KEYWORDS = tuple(sorted(_BODY_WORDS | _FINANCE_WORDS | _SCHEDULE_WORDS | _SEARCH_WORDS | _MISC_KEYWORDS))

_COMMON_EXTRA = _words(
    """auto autos carro carros coche coches vehiculo vehiculos unidad unidades modelo modelos marca marcas
    car cars vehicle vehicles precio precios oferta ofertas promocion promociones descuento credito
    contado seminuevo seminuevos nuevo nueva nuevos usado usados familia familiar color rojo blanco
    negro gris azul plata automatico automatica manual estandar gasolina diesel hibrido electrico motor
    llantas asientos puertas hola gracias buenas buenos dias tardes noches senor senora joven amigo
    amiga whatsapp app web pagina foto fotos video info informacion sucursal agencia lote domicilio
    ciudad mexico cdmx monterrey guadalajara puebla queretaro tijuana merida cancun toluca leon tuxtla
    oaxaca veracruz chihuahua hermosillo saltillo aguascalientes morelia culiacan acapulco san santa estado
    lunes
    martes miercoles jueves viernes sabado domingo enero febrero marzo abril mayo junio julio agosto
    septiembre octubre noviembre diciembre monday tuesday wednesday thursday friday saturday sunday
    january february april june july august september october november december sentar sentir viento
    fuerte marcha jeta onda civil veras pollo audio capture explore verse venta ventas entrada pago
    pagos mensual semana fin mano dueno buen bueno buena mejor peor busco quiero necesito tengo tienes
    tienen puedo quisiera gustaria interesa agendar cita visita prueba manejo seguro seguros garantia
    factura tenencia verificacion kilometraje kilometros hello thanks thank please price cheap cheaper
    cheapest budget payment monthly finance financing loan down deposit truck trucks looking want need
    have show options option first second third last next this that these those good great nice cool
    okay ok yes yeah sure sorry mexicano mexicana mexican american canadian spanish english
    interested ready here there fine busy new used black
    white red blue silver gray grey automatic mileage engine seats doors insurance warranty dealer
    dealership store office location address morning afternoon evening tomorrow today tonight weekend
    week month year years months pesos peso dolares dollars mxn usd cp ingeniero doctor licenciado lic sr
    sra srta don dona otro otra otros otras algo alguno alguna uno una unos unas todo todos cual cuales
    esto eso este esta ese esa aqui alla ahi ahora luego despues antes siempre nunca tambien solo sola
    mas menos mucho poco muy bien mal grande chico pequeno mediano compacto espacioso rapido"""
)
_COMMON = (
    _COMMON_EXTRA
    | _EN_STOP
    | _ES_STOP
    | frozenset(_KEYWORDS)
    | frozenset(_UNITS)
    | frozenset(_MULT_WORDS)
    | _BRAND_TRIGGERS
)
_KNOWN = _COMMON | _BRAND_WORDS | _AMBIGUOUS_MODELS
_FUZZY_BRANDS = tuple(sorted(w for w in _BRAND_WORDS if len(w) >= 4 and w.isalpha()))

_ORDINAL_WORDS: dict[str, int] = {
    "primero": 1,
    "primera": 1,
    "primer": 1,
    "first": 1,
    "segundo": 2,
    "segunda": 2,
    "second": 2,
    "tercero": 3,
    "tercera": 3,
    "tercer": 3,
    "third": 3,
    "cuarto": 4,
    "cuarta": 4,
    "fourth": 4,
    "quinto": 5,
    "quinta": 5,
    "fifth": 5,
    "ultimo": -1,
    "ultima": -1,
    "last": -1,
}

# ---------------------------------------------------------------------------------------------------------
# Regular expressions (all run on folded text: lowercase, no accents)
# ---------------------------------------------------------------------------------------------------------

_TOKEN_RX = re.compile(r"(?<![0-9])[0-9]{1,3}(?: [0-9]{3})+(?! ?[0-9.,])|[0-9]+(?:[.,][0-9]+)*|[a-z]+|\S")
_WORD_RX = re.compile(r"[a-z]+")
_GROUPED_RX = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_CENTS_RX = re.compile(r"\d{1,3}(?:,\d{3})+\.\d{1,2}|\d{1,3}(?:\.\d{3})+,\d{1,2}")
_SPACED_RX = re.compile(r"\d{1,3}(?: \d{3})+")
_DECIMAL_RX = re.compile(r"\d+[.,]\d+")
_PERCENT_WORDS_RX = re.compile(r"\s*\b(?:por\s*ciento|percent|pct)\b")

_MONEY_MARK_BEFORE = re.compile(r"\$\s*$")
_MONEY_MARK_AFTER = re.compile(r"^\s*(?:pesos?|mxn|mn|varos|baros|bolas|dlls?|dolares|usd)\b")
_FILL = (
    r"(?:\s+(?:de|del|el|la|los|las|es|son|of|is|are|the|a|un|una|seria|sera|would\s+be|solo|nomas|just|"
    r"only|mxn|pesos|around|about|unos|unas|como|maybe|tal\s+vez|aprox))*\s*[:=]?\s*\$?\s*$"
)
_NOT_LESS_RX = re.compile(r"\b(?:no\s+menos\s+de|not\s+less\s+than|no\s+less\s+than|no\s+menor\s+a)" + _FILL)
_AROUND_RX = re.compile(
    r"\b(?:alrededor\s+de|al\s+rededor\s+de|cerca\s+de|around|about|como|aprox(?:imadamente)?\.?|"
    r"approx(?:imately)?\.?|unos|unas|roughly|mas\s+o\s+menos|por\s+ahi\s+de|rondando|in\s+the\s+range\s+of|"
    r"en\s+el\s+rango\s+de)(?:\s+(?:de|del|los|las))?\s*\$?\s*$|~\s*\$?\s*$"
)
_MAX_RX = re.compile(
    r"\b(?:menos\s+de|menor\s+(?:a|de|que)|debajo\s+de|abajo\s+de|bajo|hasta|maximo|max|no\s+mas\s+de|"
    r"no\s+mayor\s+a|no\s+mas\s+que|tope|presupuesto|budget|under|below|less\s+than|up\s+to|at\s+most|"
    r"no\s+more\s+than|maximum|tengo|tenemos|traigo|cuento\s+con|dispongo\s+de|alcanza|a\s+lo\s+mucho|"
    r"limite|lower\s+than|cheaper\s+than|mas\s+barat[oa]s?\s+que|no\s+pase\s+de|sin\s+pasar\s+de|"
    r"no\s+exceda|within|top|i\s+have|i\s+got|spend|gastar|afford|inferior\s+a|por\s+menos\s+de|"
    r"for\s+less\s+than|for\s+under|no\s+cueste\s+mas\s+de)" + _FILL
)
_MIN_RX = re.compile(
    r"\b(?:mas\s+de|mayor\s+(?:a|de|que)|desde|a\s+partir\s+de|minimo|min|arriba\s+de|encima\s+de|over|"
    r"above|more\s+than|at\s+least|from|starting\s+at|mas\s+car[oa]s?\s+que|minimum|superior\s+a)" + _FILL
)
_MAX_AFTER = re.compile(
    r"^\s*(?:pesos|mxn)?\s*(?:o\s+menos|or\s+less|para\s+abajo|pa\s*'?\s*abajo|or\s+under|or\s+below|max|"
    r"maximo|tops|como\s+maximo|at\s+most|a\s+lo\s+mucho|as\s+a\s+max|or\s+lower|o\s+mas\s+barat[oa]|"
    r"de\s+presupuesto|budget|de\s+tope)\b"
)
_MIN_AFTER = re.compile(
    r"^\s*(?:pesos|mxn)?\s*(?:o\s+mas|or\s+more|para\s+arriba|pa\s*'?\s*arriba|and\s+up|and\s+above|"
    r"en\s+adelante|or\s+above|minimo|at\s+least|como\s+minimo|plus)\b|^\s*\+"
)
_AROUND_AFTER = re.compile(
    r"^\s*(?:pesos|mxn)?\s*(?:aprox|aproximadamente|mas\s+o\s+menos|or\s+so|ish|more\s+or\s+less|approx|"
    r"approximately|o\s+por\s+ahi|o\s+algo\s+asi|give\s+or\s+take)\b"
)
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|a|al|to|hasta|y|and)\s*\$?\s*$")
_RANGE_OPEN = re.compile(r"\b(?:entre|between)\s*(?:el|los|la|las|\$)?\s*$")

_MONTHLY_AFTER = re.compile(
    r"^\s*(?:pesos\s+|mxn\s+)?(?:al\s+mes|por\s+mes|mensuales|mensual|a\s+month|per\s+month|monthly|/\s*mes|"
    r"/\s*month|cada\s+mes|de\s+mensualidad|mensualidad|quincenales|a\s+la\s+quincena|por\s+quincena)\b"
)
_MONTHLY_BEFORE = re.compile(
    r"\b(?:mensualidad(?:es)?|pagos?\s+mensual(?:es)?|monthly\s+payments?|payments?|cuotas?|"
    r"abonos?|pagar\s+al\s+mes|pagar\s+mensualmente)" + _FILL
)
_DP_BEFORE = re.compile(
    r"\b(?:enganche|inicial|pago\s+inicial|de\s+entrada|anticipo|down\s*payment|down|deposit|put\s+down|"
    r"putting\s+down)(?:\s+(?:de|del|es|of|is|seria|sera|would\s+be|around|como|unos|hasta|maximo|max|solo|"
    r"only|just|about|a|the|por|i\s+have|tengo|puedo\s+dar))*\s*[:=]?\s*\$?\s*$"
)
_DP_AFTER = re.compile(
    r"^\s*(?:pesos\s+|mxn\s+)?(?:(?:de|del|para|como|of|as|for|in|el|la|the|a|mi|my)\s+)*"
    r"(?:enganche|inicial|entrada|anticipo|down\b|downpayment|deposit)"
)
_PRICE_VERB_RX = re.compile(
    r"(?:\b(?:cuesta|cuestan|vale|valen|costs?|is\s+worth|worth|priced\s+at|sells?\s+for|se\s+vende\s+en|"
    r"(?:vendemel|vendamel|dejamel|damel|regalamel)[oa]\s+(?:en|por|a)|"
    r"me\s+l[oa]\s+(?:das|dan|dejas|dejan|deja|vendes|venden|vende)\s+(?:en|por|a)|"
    r"sell\s+(?:it\s+|me\s+it\s+|it\s+to\s+me\s+|me\s+the\s+\w+\s+)?(?:for|at)|give\s+(?:it\s+to\s+me|me\s+it)\s+"
    r"for|let\s+me\s+have\s+it\s+for|precio\s+(?:especial|final|nuevo)\s*(?:de|es|of|is)?|the\s+price\s+"
    r"(?:is\s+now|to|at)|price\s+(?:to|at)|el\s+precio\s+(?:ahora\s+)?es(?:\s+de)?|ahora\s+cuesta|now\s+costs?)"
    r")(?:\s+(?:solo|solamente|only|just|nomas|unicamente|apenas|de|en|a))*\s*[:=]?\s*\$?\s*$"
)
_RELATIVE_BEFORE = re.compile(r"\b(?:que|q|that|which|who)\s*$")

_PERCENT_AFTER = re.compile(r"^\s*%")
_DISCOUNT_NEAR = re.compile(
    r"(?:\b(?:descuento|discount|rebaja|off)\s*(?:de|del|of)?\s*(?:el\s+)?$)|(?:^\s*%\s*(?:de\s+)?"
    r"(?:descuento|discount|off|rebaja|menos))"
)
_RATE_NEAR = re.compile(
    r"(?:\b(?:interes(?:es)?|interest|tasa|rate|cat|comision|commission|iva|tax|apr)\s*(?:de|del|of|is|es|:)?\s*"
    r"(?:el\s+)?$)|(?:^\s*%\s*(?:de\s+)?(?:de\s+)?(?:interes|interest|anual|annual|apr|cat|iva|tasa|rate))"
)
_DP_PCT_BEFORE = re.compile(r"\b(?:enganche|inicial)\s+(?:del|de\s+el)\s*$")
_FINANCED_BEFORE = re.compile(
    r"\b(?:financiar|financio|financie|financiado|finance|financing|financed)\s+(?:el\s+|the\s+)?$"
)
_NO_DOWN_RX = re.compile(
    r"\b(?:sin\s+(?:dar\s+)?enganche|no\s+down\s*payment|zero\s+down|nothing\s+down|without\s+(?:a\s+)?"
    r"down\s*payment|\$?0\s+down)\b"
)

_KM_AFTER = re.compile(r"^\s*(?:de\s+)?(?:km|kms|kilometros?|kilometraje|kilometers?|kilometres?)\b")
_MILES_AFTER = re.compile(r"^\s*(?:millas|miles|mi)\b")
_KM_BEFORE = re.compile(
    r"(?:\b(?:km|kms)\s*[:=]\s*$)|\b(?:kilometraje|mileage|recorrido|odometro|odometer|millaje)(?:\s+(?:de|del|of|is|es|"
    r"menor|menos|maximo|max|hasta|below|under|less|than|no|mas|mayor|a|up|to|at|most|que|al|the))*\s*[:=]?\s*$"
)
_KM_MIN_BEFORE = re.compile(r"\b(?:mas\s+de|over|more\s+than|at\s+least|minimo|arriba\s+de|mayor\s+a)\s*$")

_YEAR_UNIT_AFTER = re.compile(r"^\s*(?:anos?|anios?|years?|yrs?)\b(\s+(?:y\s+medio|and\s+a\s+half))?")
_MONTH_UNIT_AFTER = re.compile(r"^\s*(?:meses|mes|months?|mos?|mths?|msi)\b")
_PAYMENTS_AFTER = re.compile(r"^\s*(?:mensualidades|pagos|payments|installments|plazos|cuotas|abonos)\b")
_AGE_AFTER = re.compile(
    r"^\s*(?:anos?|anios?|years?|yrs?|meses|months?)\s+(?:de\s+(?:antiguedad|uso|edad|vida|viej[oa]|usad[oa])|"
    r"old|ago|atras|of\s+(?:use|age)|de\s+garantia|warranty|usad[oa])\b"
)
_AGE_BEFORE = re.compile(
    r"\b(?:hace|tiene|tienen|tenga|tengan|tenia|menos\s+de|less\s+than|no\s+mas\s+de|no\s+more\s+than|"
    r"younger\s+than|(?:auto|carro|coche|camioneta|vehiculo|unidad|modelo|car|truck|sedan|suv)\s+de)\s*$"
)
_PLAZO_BEFORE = re.compile(r"\b(?:plazo|term)\s*(?:de|del|of|:|a)?\s*$")
_ONE_YEAR_RX = re.compile(r"\b(?:un|one|a)\s+(?:ano|year)(\s+(?:y\s+medio|and\s+a\s+half))?\b")
_HALF_YEAR_RX = re.compile(r"\b(?:ano|year)\s+y\s+medio\b|\ba\s+year\s+and\s+a\s+half\b")

_YEAR_MIN_AFTER = re.compile(
    r"^\s*(?:\+|o\s+(?:mas\s+)?(?:nuevos?|recientes?|posterior(?:es)?|superior)|y\s+(?:mas\s+)?nuevos?|"
    r"en\s+adelante|para\s+arriba|pa\s*'?\s*arriba|or\s+(?:newer|later|more\s+recent|above|up)|"
    r"and\s+(?:up|newer|later|above)|onwards?|hacia\s+adelante|minimo|at\s+least|as\s+a\s+minimum|"
    r"o\s+mas\b(?!\s+(?:viejo|antiguo)))"
)
_YEAR_MAX_AFTER = re.compile(
    r"^\s*(?:o\s+(?:anterior(?:es)?|mas\s+(?:viejos?|antiguos?))|para\s+abajo|pa\s*'?\s*abajo|"
    r"or\s+(?:older|earlier|before)|and\s+(?:older|earlier|below)|maximo|at\s+most)\b"
)
_YEAR_FILL = r"(?:\s+(?:el|la|del|de|al|a|the|year|ano|modelo|model|un|una|los|las))*\s*$"
_YEAR_BEFORE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:no\s+older\s+than|not\s+older\s+than|nothing\s+older\s+than|none\s+older\s+than|"
            r"(?:no|nada)\s+mas\s+(?:viejo|antiguo)\s+(?:que|de)|(?:no|nada)\s+anterior\s+a)" + _YEAR_FILL
        ),
        "min",
    ),
    (re.compile(r"\b(?:no\s+newer\s+than|not\s+newer\s+than|no\s+mas\s+nuevo\s+(?:que|de))" + _YEAR_FILL), "max"),
    (
        re.compile(
            r"\b(?:antes\s+de|older\s+than|hasta|maximo|max|before|anterior(?:es)?\s+a|"
            r"mas\s+(?:viejo|antiguo)s?\s+(?:que|de)|up\s+to|menor\s+(?:a|que)|prior\s+to)" + _YEAR_FILL
        ),
        "max",
    ),
    (
        re.compile(
            r"\b(?:desde|a\s+partir\s+de|minimo|min|mayor\s+(?:a|que)|posterior(?:es)?\s+a|despues\s+de|"
            r"newer\s+than|after|from|since|at\s+least|mas\s+(?:nuevo|reciente)s?\s+(?:que|de)|"
            r"arriba\s+de)" + _YEAR_FILL
        ),
        "min",
    ),
)
_YEAR_EXACT_BEFORE = re.compile(r"\b(?:un|una|el|la|del|de|modelo|model|ano|year|a|an|los|las|mi|my|tu)\s*$")

_INJECTION_RXS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:ignora|ignore|ignoring|olvida|olvidate\s+de|forget|disregard|omite|bypass|override|desobedece|"
        r"salta(?:te)?)\b.{0,40}\b(?:instrucciones|instructions|reglas|rules|prompts?|indicaciones|directrices|"
        r"guidelines|programacion|restricciones|restrictions)",
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:of\s+)?(?:the\s+|your\s+)?"
        r"(?:above|previous|prior|preceding)\b|\bignora\s+(?:todo\s+)?lo\s+anterior\b",
        r"\b(?:system\s+prompt|prompt\s+del?\s+sistema|system\s+message|mensaje\s+del\s+sistema|tu\s+prompt|"
        r"your\s+prompt|instrucciones\s+(?:del\s+sistema|iniciales|ocultas|secretas)|initial\s+instructions|"
        r"hidden\s+instructions|developer\s+mode|modo\s+(?:desarrollador|developer|dios|sin\s+restricciones)|"
        r"jailbreak|dan\s+mode|do\s+anything\s+now)\b",
        r"\b(?:muestrame|ensename|dime|revela|reveal|show\s+me|print|repeat|tell\s+me|cuales\s+son|what\s+are|"
        r"comparte|share|dame|give\s+me)\b.{0,25}\b(?:tus|your|sus)\s+(?:\w+\s+)?(?:instrucciones|instructions|"
        r"reglas|rules|prompt|configuracion|system)",
        r"\b(?:you\s+are\s+now|ahora\s+eres|a\s+partir\s+de\s+ahora\s+eres|from\s+now\s+on\s+you|act\s+as|"
        r"actua\s+como|actuar\s+como|pretend\s+(?:to\s+be|you\s+are)|finge\s+(?:ser|que)|haz\s+de\s+cuenta\s+que|"
        r"roleplay\s+as)\b",
        r"\b(?:set|change|update|make|put|lower)\s+(?:the\s+|its\s+|their\s+)?price\s+(?:to|at|of)\b",
        r"\b(?:cambia|cambiar|cambiale|pon|poner|ponle|ponerle|actualiza|modifica|fija|establece|baja|bajale)\s+"
        r"(?:el\s+|su\s+)?precio\s+(?:a|en|de)\b",
        r"\bprecio\s+especial\s+(?:de\s+)?\$?\s*\d",
        r"\b(?:as\s+the\s+(?:manager|owner|boss|ceo|admin)|i\s+(?:hereby\s+)?authori[sz]e|authori[sz]ed\s+by|"
        r"autoriz[oa]\s+tu\s+(?:jefe|gerente)|(?:tu|mi)\s+(?:jefe|gerente)\s+(?:ya\s+)?(?:lo\s+)?autoriz|"
        r"ya\s+lo\s+autoriz\w*|soy\s+(?:el|tu)\s+(?:gerente|jefe|dueno|administrador)|"
        r"i\s+am\s+(?:the|your)\s+(?:manager|boss|owner|admin))",
        r"\b(?:update|actualiza|cambia|change|modifica|modify|edit|edita|borra|delete)\s+(?:your|tus|tu|the|el|los|"
        r"las|su|sus)\s+(?:records?|precios?|prices?|registros?|datos|data|database|base\s+de\s+datos|inventario|"
        r"inventory|system|sistema|catalogo|catalog)\b",
        r"\b(?:dame|damelo|damela|regalamelo|regalamela|give\s+(?:it\s+to\s+)?me|quiero)\b.{0,20}"
        r"\b(?:gratis|for\s+free|free\s+of\s+charge|regalado)\b",
    )
)

_WEEKDAYS = (
    r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)"
)
_MONTHS_ES = r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)"
_MONTHS_EN = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|"
    r"apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_HOUR_WORDS = (
    r"(?:una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|noon|midnight|mediodia)"
)
_CLOCK = (
    rf"(?:\d{{1,2}}(?:[:.]\d{{2}})?(?!\d|[.,]\d)|{_HOUR_WORDS}\b)(?!\s*(?:%|mil\b|k\b|pesos|anos|years|meses|months|km))"
    r"(?:\s*(?:am|pm|a\.\s?m\.?|p\.\s?m\.?|hrs?|horas|h)\b\.?)?(?:\s+y\s+(?:media|cuarto))?"
    r"(?:\s+(?:de\s+la\s+(?:manana|tarde|noche)|del\s+mediodia|in\s+the\s+(?:morning|afternoon|evening)|"
    r"o'?clock))?"
)
_VISIT_RXS = tuple(
    re.compile(p)
    for p in (
        rf"\b(?:pasado\s+manana|manana|hoy(?!\s+en\s+dia)|today|tonight|tomorrow|day\s+after\s+tomorrow|"
        rf"(?:(?:el|este|next|this|on|el\s+proximo|this\s+coming)\s+)?{_WEEKDAYS}s?(?:\s+(?:que\s+viene|proximo))?|"
        r"(?<!cada\s)(?<!every\s)(?:(?:el|este|this|next|el\s+proximo)\s+)?(?:fin\s+de\s+semana|finde|weekend)|"
        r"(?:la\s+)?(?:semana\s+que\s+entra|proxima\s+semana|semana\s+proxima)|next\s+week|esta\s+semana|"
        r"this\s+week|later\s+today|mas\s+tarde|esta\s+(?:tarde|noche)|this\s+(?:afternoon|evening|morning))"
        r"(?:\s+(?:morning|afternoon|evening|night|temprano))?\b",
        rf"\b(?:(?:el\s+)?\d{{1,2}}(?:ro|o|er|°|º)?\s+de\s+{_MONTHS_ES}|{_MONTHS_EN}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\d)|"
        rf"(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+of\s+{_MONTHS_EN}|(?:el\s+)?\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)\b",
        rf"\b(?:(?:como|tipo|a\s+eso\s+de|around|about)\s+)?(?:(?:a\s+las?|at|para\s+las?|de\s+las?)\s+{_CLOCK}|"
        r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|hrs)\b|\d{1,2}:\d{2})",
        r"\b(?:(?:en|por)\s+la\s+(?:manana|tarde|noche)|in\s+the\s+(?:morning|afternoon|evening)|"
        r"al\s+mediodia|a\s+mediodia|at\s+noon|temprano)\b",
    )
)
_VISIT_GAP = re.compile(r"^[\s,]*(?:(?:y|o|or|and)\s+)?[\s,]*$")

_NAME_EXPLICIT = re.compile(
    r"(?i:\b(?:me\s+llamo|mi\s+nombre\s+es|my\s+name\s+is|my\s+name['’]s|call\s+me|me\s+dicen|"
    r"puedes\s+llamarme|ll[aá]mame))\s+([^\W\d_]+(?:[-'’][^\W\d_]+)?(?:\s+[^\W\d_]+(?:[-'’][^\W\d_]+)?)?)"
)
_NAME_SOFT = re.compile(
    r"(?i:\b(?:soy|i['’]?m|i\s+am|this\s+is)\s+)([A-ZÁÉÍÓÚÑÜ][^\W\d_]*(?:[-'’][^\W\d_]+)?"
    r"(?:\s+[A-ZÁÉÍÓÚÑÜ][^\W\d_]*)?)"
)

# (label, tier): a lower tier wins; within a tier the earliest mention wins. "camioneta" is an SUV in Mexico
# unless it is for cargo (pickup) or a seat count says minivan.
_BODY_RULES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    (
        "pickup",
        0,
        re.compile(
            r"\b(?:pick\s?-?\s?ups?|trocas?|trokas?|trokitas?|troquitas?|camionetas?\s+(?:de\s+carga|pick\s?-?\s?up)|"
            r"doble\s+cabina|cabina\s+doble|trucks?|estaquitas?)\b"
        ),
    ),
    ("minivan", 1, re.compile(r"\b(?:mini\s?-?\s?vans?|(?:una|la|las|a|the|any|some|de|mi)\s+vans?|vans)\b")),
    ("suv", 2, re.compile(r"\b(?:suvs?|crossovers?|todo\s?-?\s?terrenos?|sport\s+utility)\b")),
    ("sedan", 2, re.compile(r"\bsedan(?:es|s)?\b")),
    ("hatchback", 2, re.compile(r"\b(?:hatch\s?-?\s?backs?|hatchs?|hb)\b")),
    ("coupe", 2, re.compile(r"\b(?:coupes?|cupes?|deportiv[oa]s?|sports?\s+cars?)\b")),
    ("camioneta", 2, re.compile(r"\b(?:camionetas?|camionetitas?|camionetota)\b")),
    (
        "seats",
        3,
        re.compile(
            r"\b(?:familiar(?:es)?\s+para\s+(?:7|8)|para\s+(?:7|8)\s+(?:personas|pasajeros|people|passengers)|"
            r"(?:7|8)\s+(?:asientos|plazas|pasajeros|seats|passengers)|(?:7|8)[- ]seater|tres\s+filas|3\s+filas|"
            r"third\s+row)\b"
        ),
    ),
)
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|ni|sin|nada\s+de|dont|don't|nothing)\s+(?:\w+\s+){0,2}$")

_INTENT_RXS: dict[str, re.Pattern[str]] = {
    "schedule": re.compile(
        r"\b(?:agendar|agend[oae]|agendamos|agenda(?:r|rme|rla|rlo)?|citas?|visita(?:r|rlos|rte|mos)?|"
        r"ir\s+a\s+ver(?:lo|la|los)?|pasar\s+a\s+ver(?:lo|la)?|paso\s+a\s+ver(?:lo|la)?|ver(?:lo|la)\s+en\s+persona|"
        r"en\s+persona|prueba\s+de\s+manejo|probarl[oa]|manejarl[oa]|test\s?-?\s?drive|appointment|"
        r"conocerl[oa]|(?:quiero|quisiera|puedo|podria|gustaria)\s+verl[oa]|(?:want|like)\s+to\s+see\s+it|"
        r"(?<!payment\s)schedule|book(?:ing)?|can\s+i\s+see\s+it|see\s+it\s+in\s+person|come\s+(?:by|in|see)|"
        r"stop\s+by|visit(?:ing)?|apartar(?:lo|la)?|apart[oa]|apartas|apartado|reservar(?:lo|la)?|reserve|"
        r"reservation|ir\s+a\s+(?:la|su)\s+(?:agencia|sucursal)|pasar\s+a\s+la\s+(?:agencia|sucursal))\b"
    ),
    "finance": re.compile(
        r"\b(?:mensualidad(?:es)?|mensual(?:es|mente)?|al\s+mes|por\s+mes|cada\s+mes|pagaria|financ\w*|"
        r"creditos?|enganche|plazos?|a\s+\d+\s+(?:anos?|meses)|monthly|payments?|loans?|down\s*payment|"
        r"per\s+month|a\s+month|installments?|interes(?:es)?|tasa|msi|meses\s+sin\s+intereses|abonos?|"
        r"cotiza\w*|buro)\b"
    ),
    "search": re.compile(
        r"\b(?:busco|buscando|buscaba|buscamos|quiero|quisiera|queremos|necesito|necesitamos|ocupo|tienes|"
        r"tienen|tiene|tendras|tendran|hay|opciones|opcion|muestra(?:me|nme)?|ensena(?:me|nme)?|mostrar|"
        r"recomienda[sn]?|recomiendame|recomendacion|disponibles?|inventario|catalogo|stock|looking|look\s+for|"
        r"need|want|do\s+you\s+have|have\s+any|got\s+any|show\s+me|options?|cheapest|mas\s+barat[oa]s?|"
        r"mas\s+economic[oa]s?|barat[oa]s?|economic[oa]s?|cheap|affordable|comprar|compra|buy|buying|purchase|"
        r"venden|vendes|sell|interesa|interested|alternativas?|similar(?:es)?|precios?|prices?|available|"
        r"in\s+stock|mas\s+nuev[oa]s?|newest|mas\s+recientes?|"
        r"cuanto\s+(?:cuesta|cuestan|sale|vale|esta|estan)|how\s+much)\b"
    ),
    "thanks": re.compile(
        r"\b(?:gracias|grax|thank|thanks|thx|bye|adios|hasta\s+luego|nos\s+vemos|see\s+you|goodbye|te\s+agradezco|"
        r"muy\s+amable|hasta\s+pronto)\b"
    ),
    "greeting": re.compile(
        r"\b(?:hola|holi|ola|buenas|buenos\s+dias|buen\s+dia|que\s+tal|hi|hello|hey|good\s+(?:morning|afternoon|"
        r"evening)|que\s+onda|saludos|quiubo)\b"
    ),
}

_GO_SEE_RX = re.compile(
    r"\b(?:see|ver(?:lo|la|los)?|conocer(?:lo|la)?|check\s+(?:it\s+)?out|pasar|paso|ir|voy|vamos|go|come|stop)\b"
)
_ORD_DIGIT_RX = re.compile(
    r"(?<![\d.,])([1-9])\s?(?:ro|ra|do|da|er|ero|era|to|ta|st|nd|rd|th|°|º)\b"
    rf"(?!\s*(?:mano|hand|owner|dueno|vez|time|de\s+{_MONTHS_ES}|of\s+{_MONTHS_EN}))"
)
_ORD_NUM_RX = re.compile(
    r"(?:\b(?:opcion|option|numero|number|no\.|num\.?)\s*#?\s*|#\s*|(?<!\ba\s)\b(?:el|la)\s+)(10|[1-9])\b"
    rf"(?!\s*(?:de\s+{_MONTHS_ES}|%|mil\b|k\b|anos?|years?|meses|months?|km|pm|am|hrs?|:|[.,]\d|personas|pasajeros))"
)
_ORD_WORD_RX = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b")
_ORD_TAIL = re.compile(r"^\s*(?:one|please|pls|porfa|por\s+favor|opcion|option)?\s*[.!?]*\s*$")
_ORD_DETERMINER = re.compile(
    r"\b(?:el|la|lo|del|al|de\s+la|a\s+la|the|that|this|ese|esa|este|esta|opcion|option|quiero|me\s+gusta|"
    r"me\s+interesa)\s*$"
)
_ORD_FOLLOW = re.compile(
    r"^\s*(?:one|opcion|option|auto|carro|coche|camioneta|car|suv|truck|sedan|modelo|model|de\s+la\s+lista|"
    r"on\s+the\s+list|from\s+the\s+list|que\s+(?:me\s+)?(?:mandaste|enviaste|pusiste|mostraste)|you\s+(?:sent|showed))\b"
)
_ORD_EXCLUDE_AFTER = re.compile(
    r"^\s*(?:mano|hand|owner|dueno|vez|time|clase|class|modelo|model|version|generacion|precio|price|year|ano|"
    r"week|semana|mes|month|of\s+all|que\s+nada|que\s+todo|auto\s+que|carro\s+que|coche\s+que|car\s+i)\b"
)
_ORD_EXCLUDE_BEFORE = re.compile(r"\b(?:mi|my|su|his|her|our|nuestro|nuestra|un|a|at|por|lo|y|and|es)\s*$")

_REFERS_RXS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:ese|esa|esos|esas)\b(?!\s+(?:dia|dias|fin|semana|mes|ano|horario|hora|momento|tiempo|rato|lugar|"
        r"caso|sentido|tema|presupuesto|plazo|precio|enganche|monto|numero|dato|color|horario)\b)",
        r"\b(?:este|esta|estos|estas)\s+(?:auto|carro|coche|camioneta|vehiculo|modelo|unidad|uno|una|opcion|"
        r"sedan|suv|troca|hatch|version|car)\b",
        r"\b(?:quiero|gusta|gusto|interesa|llevo|quedo\s+con|ver|apartar|aparta|financiar|sobre|cuesta|sale|vale)"
        r"\s+(?:este|esta)\b",
        r"\b(?:el\s+mismo|la\s+misma|dich[oa]\s+(?:auto|carro|coche|vehiculo|camioneta|unidad)|that\s+one|"
        r"this\s+one|th(?:at|is)\s+(?:car|truck|model|suv|sedan)|the\s+same\s+(?:one|car)|the\s+one\s+you|"
        r"(?:el|la)\s+que\s+(?:me\s+)?(?:mandaste|enviaste|mostraste|dijiste|mencionaste|pasaste))\b",
        r"\b(?:see|finance|buy|drive|get|take|book|reserve|want|like|check|try|hold|test\s?-?\s?drive|love|"
        r"purchase|visit|about|is|does|has)\s+it\b(?!\s+(?:possible|ok|okay|true|necessary|required|that))",
        r"\b(?:ver|financiar|comprar|apartar|probar|manejar|llevar|reservar|checar|revisar|agendar|cotizar)"
        r"(?:lo|la)\b|\bme\s+l[oa]\s+(?:llevo|quedo)\b|\bl[oa]\s+(?:quiero|compro|aparto|tomo|financio)\b",
        r"\bl[oa]\s+(?:puedo|podemos|podria|puedes|pueden|quiero|quisiera|queremos|voy\s+a|vamos\s+a)\s+"
        r"(?:ver|apartar|financiar|comprar|probar|manejar|checar|revisar|agendar|cotizar|llevar)\b",
    )
)
_MODEL_CODE_RX = re.compile(r"[\s-]?([a-z]{0,2}\d{1,4}[a-z]?)\b(?!\s*(?:mil\b|k\b|pesos|km|%|anos?|meses|[.,]\d))")
_REFERS_ACCENT_RX = re.compile(r"(?i)\b(?:ése|ésa|éste|ésta)\b")


# ---------------------------------------------------------------------------------------------------------
# Text preparation
# ---------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character, lowercased and without accents, always of length one so indices stay aligned."""
    if ch in "’‘´`":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    low = ch.lower()
    return low if len(low) == 1 else " "


def _fold(text: str) -> str:
    """Lowercase, accent-free copy of `text` with exactly the same length."""
    return "".join(_fold_char(ch) for ch in text)


def _fix_typos(folded: str) -> str:
    """Replace unknown long words by the keyword they closely resemble ('mensualidaad' -> 'mensualidad')."""

    def fix(match: re.Match[str]) -> str:
        """The matched word, or the keyword it is a typo of."""
        word = match.group(0)
        if len(word) < 6 or word in _KNOWN:
            return word
        hit = process.extractOne(word, _KEYWORDS, scorer=fuzz.ratio, score_cutoff=88)
        return hit[0] if hit and hit[0][0] == word[0] else word

    return _WORD_RX.sub(fix, folded)


def _detect_language(folded: str) -> Language:
    """'en' when English stopwords and number words outnumber Spanish ones, else 'es'."""
    words = _WORD_RX.findall(folded)
    en = sum(1 for w in words if w in _EN_STOP or w in _EN_NUMBERS)
    es = sum(1 for w in words if w in _ES_STOP or w in _ES_NUMBERS)
    return "en" if en > es else "es"


# ---------------------------------------------------------------------------------------------------------
# Number phrases -> canonical digits
# ---------------------------------------------------------------------------------------------------------


@dataclass
class _Num:
    """A number found in the canonical text, with its span there and how it was written."""

    value: float
    start: int
    end: int
    mult: int = 1
    grouped: bool = False


@dataclass
class _Acc:
    """Accumulator while reading one number phrase."""

    total: float = 0.0
    current: float = 0.0
    mult: int = 1
    last_mult: int = 0
    grouped: bool = False
    prev: str = ""  # kind of the last accepted token: d(igits) w(ord) h(undred) m(ultiplier)


Token = tuple[str, int, int]


def _digits_value(tok: str) -> tuple[float | None, bool]:
    """Value of a digit token ('300', '300,000', '300.000', '1.5', '1,234.50') and whether it is grouped."""
    if tok.isdigit():
        return float(tok), False
    if _GROUPED_RX.fullmatch(tok) or _SPACED_RX.fullmatch(tok):
        return float(re.sub(r"[., ]", "", tok)), True
    if _CENTS_RX.fullmatch(tok):
        whole, cents = re.split(r"[.,](?=\d{1,2}$)", tok)
        return float(re.sub(r"[.,]", "", whole) + "." + cents), True
    if _DECIMAL_RX.fullmatch(tok):
        return float(tok.replace(",", ".")), False
    return None, False


def _can_add(current: float, value: int) -> bool:
    """Whether a number word extends the running value ('treinta' + 'cinco', 'doscientos' + 'cincuenta')."""
    if current == 0:
        return True
    place = 10 if value < 10 else 100 if value < 100 else 1000
    return current < 1000 and current % place == 0


def _tok(toks: list[Token], j: int) -> str:
    """Token text at index j, or '' past the end."""
    return toks[j][0] if 0 <= j < len(toks) else ""


def _accept_digits(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept a digit token into the phrase; 0 when it starts a new number instead."""
    if acc.prev == "m":
        follow = _MULT_WORDS.get(_tok(toks, j + 1), 0)
        if not follow or _tok(toks, j + 1) == "m" or follow >= acc.last_mult:
            return 0
    elif acc.prev:
        return 0
    value, grouped = _digits_value(toks[j][0])
    if value is None:
        return 0
    acc.current += value
    acc.grouped = acc.grouped or grouped
    acc.prev = "d"
    return 1


def _accept_mult(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept a multiplier (k, mil, millones, thousand, M) and an optional 'y medio' / 'and a half'."""
    word = toks[j][0]
    if acc.prev in ("", "m") or (word in _AFTER_DIGITS_ONLY and acc.prev != "d"):
        return 0
    if word == "m" and toks[j][1] != toks[j - 1][2]:
        return 0
    mult = _MULT_WORDS[word]
    if mult == 1000:
        acc.total += (acc.current or 1) * 1000
    else:
        acc.total = (acc.total + (acc.current or 1)) * mult
    acc.current = 0
    acc.mult, acc.last_mult, acc.prev = max(acc.mult, mult), mult, "m"
    if _tok(toks, j + 1) == "y" and _tok(toks, j + 2) in ("medio", "media"):
        acc.total += mult / 2
        return 3
    if (_tok(toks, j + 1), _tok(toks, j + 2), _tok(toks, j + 3)) == ("and", "a", "half"):
        acc.total += mult / 2
        return 4
    return 1


def _accept_word(toks: list[Token], j: int, acc: _Acc, lang: str) -> int:
    """Accept a number word, 'hundred', 'un/a' before a multiplier, 'medio millón' or a connector."""
    word, nxt = toks[j][0], _tok(toks, j + 1)
    if word in _UNITS and (word != "once" or lang == "es"):
        value = _UNITS[word]
        if acc.prev == "d" or not _can_add(acc.current, value):
            return 0
        if acc.prev == "m" and not _reaches_smaller_mult(toks, j + 1, acc.last_mult):
            return 0
        acc.current += value
        acc.prev = "w"
        return 1
    if word == "hundred" and acc.prev in ("w", "d"):
        acc.current = (acc.current or 1) * 100
        acc.prev = "h"
        return 1
    if word in _ONE_WORDS and nxt in _BIG_WORDS and not acc.prev:
        acc.current, acc.prev = 1, "w"
        return 1
    if word in ("medio", "half") and not acc.prev:
        skip = 2 if nxt == "a" else 1
        if _tok(toks, j + skip) in ("millon", "million"):
            acc.current, acc.prev = 0.5, "w"
            return skip
        return 0
    return _accept_connector(toks, j, acc)


def _reaches_smaller_mult(toks: list[Token], j: int, mult: int) -> bool:
    """Whether number words from j lead to a multiplier below `mult` ('un millón doscientos mil')."""
    while _tok(toks, j) in _UNITS or _tok(toks, j) in ("y", "and", "hundred"):
        j += 1
    return 0 < _MULT_WORDS.get(_tok(toks, j), 0) < mult and _tok(toks, j) not in _AFTER_DIGITS_ONLY


def _accept_connector(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept 'y' in 'treinta y cinco' and 'and' in 'two hundred and fifty'."""
    word, nxt = toks[j][0], _tok(toks, j + 1)
    value = _UNITS.get(nxt)
    if value is None or not _can_add(acc.current, value):
        return 0
    if word == "y" and acc.prev == "w" and value < 10:
        return 1
    if word == "and" and acc.prev == "h" and value < 100:
        return 1
    return 0


def _parse_phrase(toks: list[Token], i: int, lang: str) -> tuple[_Acc, int] | None:
    """Read the longest number phrase starting at token i; the accumulator and the index after it."""
    acc, j = _Acc(), i
    while j < len(toks):
        word = toks[j][0]
        if word[0] in "0123456789":
            step = _accept_digits(toks, j, acc)
        elif word in _MULT_WORDS:
            step = _accept_mult(toks, j, acc)
        else:
            step = _accept_word(toks, j, acc, lang)
        if not step:
            break
        j += step
    if not acc.prev:
        return None
    return acc, j


def _render(acc: _Acc, literal: str, single_token: bool) -> tuple[str, float]:
    """Canonical text and value of a phrase: plain digits, or the literal for plain and decimal numerals."""
    value = acc.total + acc.current
    if single_token and literal[0].isdigit() and acc.mult == 1 and not acc.grouped:
        return literal, value
    if acc.mult == 1 and value != int(value):
        return literal, value
    return str(round(value)), float(round(value))


def _canonical_numbers(text: str, lang: str) -> tuple[str, list[_Num]]:
    """Rewrite every number phrase of `text` as digits; the new text and the numbers with their spans."""
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN_RX.finditer(text)]
    parts: list[str] = []
    nums: list[_Num] = []
    pos = length = 0
    i = 0
    while i < len(toks):
        parsed = _parse_phrase(toks, i, lang)
        if parsed is None:
            i += 1
            continue
        acc, j = parsed
        start, end = toks[i][1], toks[j - 1][2]
        rendered, value = _render(acc, text[start:end], j == i + 1)
        parts.append(text[pos:start])
        length += start - pos
        nums.append(_Num(value, length, length + len(rendered), acc.mult, acc.grouped))
        parts.append(rendered)
        length += len(rendered)
        pos, i = end, j
    parts.append(text[pos:])
    return "".join(parts), nums


# ---------------------------------------------------------------------------------------------------------
# Numeric slots
# ---------------------------------------------------------------------------------------------------------


def _before(c: str, n: _Num, width: int = 80) -> str:
    """Canonical text just before a number."""
    return c[max(0, n.start - width) : n.start]


def _after(c: str, n: _Num, width: int = 60) -> str:
    """Canonical text just after a number."""
    return c[n.end : n.end + width]


def _has_money_mark(c: str, n: _Num) -> bool:
    """Whether a number is written as money: units, a currency sign or word, or thousands separators."""
    return (
        n.mult > 1
        or n.grouped
        or bool(_MONEY_MARK_BEFORE.search(_before(c, n)) or _MONEY_MARK_AFTER.match(_after(c, n)))
    )


def _is_money(c: str, n: _Num) -> bool:
    """A plausible price: written as money, or a bare number of at least five digits (not a zip code)."""
    if not MIN_MONEY <= n.value <= MAX_MONEY:
        return False
    literal = c[n.start : n.end]
    return _has_money_mark(c, n) or (n.value >= MIN_BARE_MONEY and not literal.startswith("0"))


def _is_year(c: str, n: _Num) -> bool:
    """A bare four-digit number in the model-year range."""
    return (
        n.value == int(n.value)
        and FIRST_YEAR <= n.value <= LAST_YEAR
        and not _has_money_mark(c, n)
        and c[n.start : n.end].isdigit()
    )


def _is_km(c: str, n: _Num, lang: str) -> bool:
    """A mileage: followed by km (or miles in English) or introduced by 'kilometraje'/'mileage'."""
    after = _after(c, n)
    if _KM_AFTER.match(after) or _KM_BEFORE.search(_before(c, n)):
        return True
    return lang == "en" and bool(_MILES_AFTER.match(after))


def _set_km(c: str, n: _Num, lang: str, slots: dict[str, Any]) -> None:
    """Record a mileage as max_km unless it is a lower bound."""
    if _KM_MIN_BEFORE.search(_before(c, n)):
        return
    value = n.value * MILES_TO_KM if lang == "en" and _MILES_AFTER.match(_after(c, n)) else n.value
    slots["max_km"] = round(value)


def _term_months(c: str, n: _Num) -> int | None:
    """Financing term in months when the number is one ('4 años', '48 meses', 'plazo de 36'), else None."""
    if n.mult > 1 or n.grouped:
        return None
    before, after = _before(c, n), _after(c, n)
    if _AGE_AFTER.match(after) or _AGE_BEFORE.search(before):
        return None
    years = _YEAR_UNIT_AFTER.match(after)
    if years:
        value = n.value + (0.5 if years.group(1) else 0)
        return round(value * 12) if 0 < value <= 10 else None
    if _MONTH_UNIT_AFTER.match(after):
        return round(n.value) if 0 < n.value <= 120 else None
    if _PAYMENTS_AFTER.match(after):
        return round(n.value) if 6 <= n.value <= 120 and n.value == int(n.value) else None
    if _PLAZO_BEFORE.search(before) and n.value == int(n.value):
        return round(n.value * 12) if 0 < n.value <= 10 else round(n.value) if n.value <= 120 else None
    return None


def _set_year(c: str, n: _Num, slots: dict[str, Any]) -> None:
    """Record a model year as a lower bound, upper bound or exact year, from the words around it."""
    year, before, after = int(n.value), _before(c, n), _after(c, n)
    if _YEAR_MIN_AFTER.match(after):
        slots["min_year"] = year
        return
    if _YEAR_MAX_AFTER.match(after):
        slots["max_year"] = year
        return
    for rx, kind in _YEAR_BEFORE_RULES:
        if rx.search(before):
            slots[f"{kind}_year"] = year
            return
    tail = re.findall(r"[a-z0-9]+", before[-30:])[-2:]
    named = bool(tail) and (_is_vehicle_word(tail[-1]) or _is_vehicle_word("".join(tail)))
    if _YEAR_EXACT_BEFORE.search(before) or re.match(r"^\s*model", after) or named:
        slots["min_year"] = slots["max_year"] = year
        return
    slots["min_year"] = year


def _is_vehicle_word(word: str) -> bool:
    """A make, model or body word, so that 'Jetta 2018' / 'sedan 2018' reads as an exact model year."""
    return word in _BRAND_WORDS or word in _AMBIGUOUS_MODELS or word in _BODY_WORDS


def _set_percent(c: str, n: _Num, slots: dict[str, Any]) -> None:
    """A percentage: down payment unless it is a discount (huge ones are manipulation) or an interest rate."""
    before, after = _before(c, n), _after(c, n)
    if _DISCOUNT_NEAR.search(before) or _DISCOUNT_NEAR.match(after):
        if n.value >= 50:
            slots["injection"] = True
        return
    if _RATE_NEAR.search(before) or _RATE_NEAR.match(after) or not 0 <= n.value <= 100:
        return
    slots["down_payment_pct"] = float(100 - n.value if _FINANCED_BEFORE.search(before) else n.value)


def _money_kind(c: str, n: _Num) -> str:
    """What a money amount is: monthly, down, injection, around, max or min."""
    before, after = _before(c, n), _after(c, n)
    if _is_monthly(c, n):
        return "monthly"
    if _DP_BEFORE.search(before) or _DP_AFTER.match(after):
        return "down"
    if _is_price_claim(before):
        return "injection"
    for rx, kind in ((_NOT_LESS_RX, "min"), (_AROUND_RX, "around"), (_MAX_RX, "max"), (_MIN_RX, "min")):
        if rx.search(before):
            if kind == "around":  # "unos 350 mil max": an explicit bound after the amount wins
                return next((k for r, k in ((_MAX_AFTER, "max"), (_MIN_AFTER, "min")) if r.match(after)), kind)
            return kind
    for rx, kind in ((_MAX_AFTER, "max"), (_MIN_AFTER, "min"), (_AROUND_AFTER, "around")):
        if rx.match(after):
            return kind
    return "max"


def _is_token_price(c: str, n: _Num) -> bool:
    """A tiny amount written as money ('1 peso', '$1'): no car costs that, so it is price manipulation."""
    return n.value < MIN_MONEY and _has_money_mark(c, n) and not _is_monthly(c, n)


def _is_monthly(c: str, n: _Num) -> bool:
    """An amount per month ('5 mil al mes', 'mensualidades de 6 mil'), which is not a price."""
    return bool(_MONTHLY_AFTER.match(_after(c, n)) or _MONTHLY_BEFORE.search(_before(c, n)))


def _is_price_claim(before: str) -> bool:
    """'el Onix cuesta', 'véndemelo en', 'the price is now' right before an amount (not 'que cuesta')."""
    match = _PRICE_VERB_RX.search(before)
    return match is not None and not _RELATIVE_BEFORE.search(before[: match.start()])


def _set_money(c: str, n: _Num, slots: dict[str, Any]) -> None:
    """Record a money amount in the slot its context calls for."""
    value = round(n.value)
    kind = _money_kind(c, n)
    if kind == "down":
        slots["down_payment"] = value
    elif kind == "injection":
        slots["injection"] = True
    elif kind == "around":
        slots["min_price"], slots["max_price"] = round(value * 0.9), round(value * 1.1)
    elif kind in ("max", "min"):
        slots[f"{kind}_price"] = value


def _range_pair(c: str, a: _Num, b: _Num, lang: str, slots: dict[str, Any]) -> bool:
    """Handle 'entre X y Y', 'de X a Y', 'X-Y mil', '2016-2019'; True when the pair was a range."""
    gap = c[a.end : b.start]
    if re.fullmatch(r"\s*(?:o|or|,)\s*", gap) and _is_year(c, a) and _is_year(c, b):
        slots["min_year"], slots["max_year"] = sorted((int(a.value), int(b.value)))
        return True
    if not _RANGE_SEP.match(gap):
        return False
    if re.match(r"^\s*(?:y|and)\s*\$?\s*$", gap) and not _RANGE_OPEN.search(_before(c, a)):
        return False
    after_b = _after(c, b)
    if _PERCENT_AFTER.match(after_b) or _is_km(c, b, lang) or _term_months(c, b) is not None:
        return False
    if _is_year(c, a) and _is_year(c, b):
        slots["min_year"], slots["max_year"] = sorted((int(a.value), int(b.value)))
        return True
    low, high = a.value, b.value
    if low < MIN_MONEY and b.mult > 1:
        low *= b.mult
    if high < MIN_MONEY and a.mult > 1:
        high *= a.mult
    if not (MIN_MONEY <= low <= MAX_MONEY and MIN_MONEY <= high <= MAX_MONEY):
        return False
    if _MONTHLY_AFTER.match(after_b) or _DP_AFTER.match(after_b) or _DP_BEFORE.search(_before(c, a)):
        return False
    slots["min_price"], slots["max_price"] = sorted((round(low), round(high)))
    return True


def _classify(c: str, nums: list[_Num], i: int, lang: str, slots: dict[str, Any]) -> int:
    """Read number i into the slots; returns how many numbers were consumed (2 for a range)."""
    n = nums[i]
    if _PERCENT_AFTER.match(_after(c, n)):
        _set_percent(c, n, slots)
        return 1
    if i + 1 < len(nums) and _range_pair(c, n, nums[i + 1], lang, slots):
        return 2
    if _is_km(c, n, lang):
        _set_km(c, n, lang, slots)
        return 1
    term = _term_months(c, n)
    if term is not None:
        slots["term_months"] = term
        return 1
    if _is_year(c, n):
        _set_year(c, n, slots)
        return 1
    if _DP_PCT_BEFORE.search(_before(c, n)) and 0 < n.value < 100 and n.mult == 1:
        slots["down_payment_pct"] = float(n.value)
    elif _is_money(c, n):
        _set_money(c, n, slots)
    elif _is_price_claim(_before(c, n)) or _is_token_price(c, n):
        slots["injection"] = True
    return 1


def _numeric_slots(c: str, nums: list[_Num], lang: str) -> dict[str, Any]:
    """All numeric slots of the canonical text."""
    slots: dict[str, Any] = {}
    i = 0
    while i < len(nums):
        i += _classify(c, nums, i, lang, slots)
    if "term_months" not in slots:
        _one_year_term(c, slots)
    if "down_payment_pct" not in slots and "down_payment" not in slots and _NO_DOWN_RX.search(c):
        slots["down_payment_pct"] = 0.0
    for low_key, high_key in (("min_price", "max_price"), ("min_year", "max_year")):
        low, high = slots.get(low_key), slots.get(high_key)
        if low is not None and high is not None and low > high:
            slots[low_key], slots[high_key] = high, low
    return slots


def _one_year_term(c: str, slots: dict[str, Any]) -> None:
    """'a un año', 'over one year', 'año y medio' as a term (12 or 18 months), unless it is the car's age."""
    match = _ONE_YEAR_RX.search(c) or _HALF_YEAR_RX.search(c)
    if not match:
        return
    if _AGE_AFTER.match(" ano" + c[match.end() :]) or _AGE_BEFORE.search(c[: match.start()]):
        return
    slots["term_months"] = 18 if ("medio" in match.group(0) or "half" in match.group(0)) else 12


# ---------------------------------------------------------------------------------------------------------
# Words: body type, brand, intent, ordinal, reference, name, visit time, injection
# ---------------------------------------------------------------------------------------------------------


def _body_type(c: str) -> str | None:
    """Requested body type; pickup and minivan phrases win over the generic 'camioneta'."""
    found: list[tuple[int, int, str]] = []
    for label, tier, rx in _BODY_RULES:
        for m in rx.finditer(c):
            if not _NEGATED_BEFORE.search(c[max(0, m.start() - 30) : m.start()]):
                found.append((tier, m.start(), label))
                break
    if not found:
        return None
    label = min(found)[2]
    if label == "seats" or (label == "camioneta" and any(f[2] == "seats" for f in found)):
        return "minivan"
    return "suv" if label == "camioneta" else label


def _shouting(raw: str) -> bool:
    """Whether capitalisation carries no information (all caps or Title Case Everywhere)."""
    words = re.findall(r"[^\W\d_]+", raw)
    if len(words) >= 2 and not any(ch.islower() for ch in raw):
        return True
    rest = words[1:]
    return len(rest) >= 3 and sum(1 for w in rest if w[0].isupper()) / len(rest) >= 0.75


def _capitalised_mid(raw: str, start: int) -> bool:
    """Whether the word at `start` is capitalised and not at the beginning of a sentence."""
    if not raw[start].isupper():
        return False
    head = raw[:start].rstrip(" \t\"'“”(")
    return bool(head) and head[-1] not in ".!?¡¿\n"


def _brand_token(word: str, prev: str, nxt: str, capital: bool, lang: Language) -> bool:
    """Whether one folded token names a make or model (exact, plural, slang, capitalised or typo)."""
    if word in _BRAND_WORDS:
        return True
    if word in _AMBIGUOUS_MODELS:
        place = prev in _PLACE_PREPOSITIONS or (prev == "a" and lang == "es")
        return (capital and not place) or prev in _MAKES or nxt in _MAKES
    for stem in (word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""):
        if stem and stem in _BRAND_WORDS:
            return True
    if len(word) < 4 or not word.isalpha() or word in _KNOWN:
        return False
    cutoff = 85 if len(word) >= 5 else 88
    hit = process.extractOne(word, _FUZZY_BRANDS, scorer=fuzz.ratio, score_cutoff=cutoff)
    return hit is not None and hit[0][0] == word[0]


def _brand_spans(raw: str, f: str, lang: Language) -> list[tuple[int, int]]:
    """Spans (in the original text) that look like a make or model."""
    spans = [(m.start(), m.end()) for rx in _BRAND_RXS for m in rx.finditer(f)]
    toks = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z0-9]+", f)]
    use_caps = not _shouting(raw)
    for k, (word, start, end) in enumerate(toks):
        capital = use_caps and _capitalised_mid(raw, start)
        known = _brand_token(word, _tok(toks, k - 1), _tok(toks, k + 1), capital, lang)
        named = _tok(toks, k - 1) in ("marca", "brand") and word.isalpha() and word not in _COMMON
        if known or named or (capital and _capital_candidate(toks, k, lang)):
            spans.append((start, end))
    return sorted(spans)


def _capital_candidate(toks: list[Token], k: int, lang: Language) -> bool:
    """An unknown capitalised word right after 'un/el/the/tienes...' (e.g. 'el Xpander')."""
    word, prev = toks[k][0], _tok(toks, k - 1)
    if prev not in _BRAND_TRIGGERS or word in _COMMON or len(word) < 2 or word.isdigit():
        return False
    if prev == "a" and lang == "es":
        return False
    return not (prev == "de" and _tok(toks, k - 2) in _PLACE_VERBS)


def _brand_text(raw: str, f: str, lang: Language) -> str | None:
    """The first make/model mention as written, with an adjacent model code ('Mazda 3', 'Peugeot 208')."""
    spans = _brand_spans(raw, f, lang)
    if not spans:
        return None
    start, end = spans[0]
    for s, e in spans[1:]:
        if s <= end or re.fullmatch(r"[\s-]{1,2}", f[end:s]):
            end = max(end, e)
        else:
            break
    code = _MODEL_CODE_RX.match(f[end:])
    if code and not (code.group(1).isdigit() and FIRST_YEAR <= int(code.group(1)) <= LAST_YEAR):
        end += code.end()
    return raw[start:end].strip(" -") or None


def _intent(c: str, slots: dict[str, Any], has_visit: bool) -> Intent:
    """Intent by priority: schedule > finance > search > thanks > greeting > other."""
    if _INTENT_RXS["schedule"].search(c) or (has_visit and _GO_SEE_RX.search(c)):
        return "schedule"
    finance_slots = ("term_months", "down_payment", "down_payment_pct")
    if _INTENT_RXS["finance"].search(c) or any(k in slots for k in finance_slots):
        return "finance"
    search_slots = ("min_price", "max_price", "min_year", "max_year", "max_km", "body_type", "brand_text")
    if _INTENT_RXS["search"].search(c) or any(slots.get(k) is not None for k in search_slots):
        return "search"
    if has_visit:
        return "schedule"
    if _INTENT_RXS["thanks"].search(c):
        return "thanks"
    return "greeting" if _INTENT_RXS["greeting"].search(c) else "other"


def _ordinal(c: str) -> int | None:
    """Position in the last list the customer points at (1, 2, ..., -1 for the last one)."""
    candidates: list[tuple[int, int]] = []
    for m in _ORD_DIGIT_RX.finditer(c):
        candidates.append((m.start(), int(m.group(1))))
    for m in _ORD_NUM_RX.finditer(c):
        candidates.append((m.start(), int(m.group(1))))
    for m in _ORD_WORD_RX.finditer(c):
        before, after = c[max(0, m.start() - 30) : m.start()], c[m.end() : m.end() + 40]
        if _ORD_EXCLUDE_AFTER.match(after) or _ORD_EXCLUDE_BEFORE.search(before):
            continue
        alone = len(_WORD_RX.findall(c[: m.start()])) <= 1 and _ORD_TAIL.match(c[m.end() :])
        if alone or _ORD_DETERMINER.search(before) or _ORD_FOLLOW.match(after):
            candidates.append((m.start(), _ORDINAL_WORDS[m.group(1)]))
    return min(candidates)[1] if candidates else None


def _refers_back(raw: str, c: str) -> bool:
    """Whether the message points at a car already discussed ('ese', 'that one', 'verlo')."""
    return bool(_REFERS_ACCENT_RX.search(raw)) or any(rx.search(c) for rx in _REFERS_RXS)


def _clean_name(words: list[str], explicit: bool) -> str | None:
    """Keep the leading words that look like a name; title-case it when written in lowercase."""
    kept: list[str] = []
    for word in words:
        folded = _fold(word)
        if folded in _COMMON or (kept and not explicit and not word[0].isupper()):
            break
        if kept and explicit and not word[0].isupper() and kept[0][0].isupper():
            break
        kept.append(word)
    if not kept:
        return None
    name = " ".join(kept)
    return name.title() if name.islower() else name


def _customer_name(raw: str) -> str | None:
    """The customer's name from 'me llamo Ana', 'soy Juan Pérez', 'my name is Bob', 'I'm Bob'."""
    match = _NAME_EXPLICIT.search(raw)
    if match:
        name = _clean_name(match.group(1).split(), explicit=True)
        if name:
            return name
    for match in _NAME_SOFT.finditer(raw):
        name = _clean_name(match.group(1).split(), explicit=False)
        if name:
            return name
    return None


def _visit_when(raw: str, f: str) -> str | None:
    """The first date/time expression as written ('mañana a las 10', 'el viernes a las 5 pm')."""
    spans = sorted((m.start(), m.end()) for rx in _VISIT_RXS for m in rx.finditer(f))
    if not spans:
        return None
    start, end = spans[0]
    for s, e in spans[1:]:
        if s <= end or _VISIT_GAP.match(f[end:s]):
            end = max(end, e)
        else:
            break
    return raw[start:end].strip(" ,") or None


def _injection(c: str) -> bool:
    """Attempts to override the rules, reveal the prompt or impose a price."""
    return any(rx.search(c) for rx in _INJECTION_RXS)


# ---------------------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------------------


def _understand(text: str) -> Understanding:
    """Parse one message; may raise on pathological input (the public wrapper guards it)."""
    raw = text[:MAX_CHARS]
    folded = _fold(raw)
    lang = _detect_language(folded)
    fixed = _PERCENT_WORDS_RX.sub("%", _fix_typos(folded))
    canonical, nums = _canonical_numbers(fixed, lang)
    slots = _numeric_slots(canonical, nums, lang)
    slots["body_type"] = _body_type(canonical)
    slots["brand_text"] = _brand_text(raw, folded, lang)
    visit = _visit_when(raw, folded)
    slots["injection"] = bool(slots.get("injection")) or _injection(canonical)
    return Understanding(
        **slots,
        intent=_intent(canonical, slots, visit is not None),
        language=lang,
        ordinal=_ordinal(canonical),
        refers_back=_refers_back(raw, canonical),
        customer_name=_customer_name(raw),
        visit_when=visit,
    )


def understand_offline(text: str) -> Understanding:
    """Intent and slots of one customer message by deterministic rules; never raises."""
    if not isinstance(text, str) or not text.strip():
        return Understanding()
    try:
        return _understand(text)
    except Exception:  # a parser must never take the conversation down
        return Understanding()
