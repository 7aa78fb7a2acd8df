"""Country (ISO 3166 alpha-2) and IANA time zone from a LinkedIn location string. Pure.

Only obvious cases are answered: a known country name, or a big city / region whose country and
zone are unambiguous. ``"Paris, Île-de-France, France"`` -> ``("FR", "Europe/Paris")``. A
country spanning several zones without a known city or region gives the country and no zone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# country name (folded) -> (ISO code, zone when the country has one zone, else None)
_COUNTRIES: dict[str, tuple[str, str | None]] = {}
_COUNTRY_ROWS = """
FR Europe/Paris|france
DE Europe/Berlin|germany,deutschland
GB Europe/London|united kingdom,uk,great britain,england,scotland,wales,northern ireland
IE Europe/Dublin|ireland
ES Europe/Madrid|spain,españa
PT Europe/Lisbon|portugal
IT Europe/Rome|italy,italia
NL Europe/Amsterdam|netherlands,the netherlands,nederland,holland
BE Europe/Brussels|belgium,belgique,belgië
LU Europe/Luxembourg|luxembourg
CH Europe/Zurich|switzerland,schweiz,suisse
AT Europe/Vienna|austria,österreich
DK Europe/Copenhagen|denmark,danmark
SE Europe/Stockholm|sweden,sverige
NO Europe/Oslo|norway,norge
FI Europe/Helsinki|finland,suomi
IS Atlantic/Reykjavik|iceland
PL Europe/Warsaw|poland,polska
CZ Europe/Prague|czechia,czech republic
SK Europe/Bratislava|slovakia
HU Europe/Budapest|hungary
RO Europe/Bucharest|romania
BG Europe/Sofia|bulgaria
GR Europe/Athens|greece
HR Europe/Zagreb|croatia
SI Europe/Ljubljana|slovenia
RS Europe/Belgrade|serbia
EE Europe/Tallinn|estonia
LV Europe/Riga|latvia
LT Europe/Vilnius|lithuania
UA Europe/Kyiv|ukraine
TR Europe/Istanbul|turkey,türkiye
IL Asia/Jerusalem|israel
AE Asia/Dubai|united arab emirates,uae
SA Asia/Riyadh|saudi arabia
QA Asia/Qatar|qatar
EG Africa/Cairo|egypt
ZA Africa/Johannesburg|south africa
NG Africa/Lagos|nigeria
KE Africa/Nairobi|kenya
MA Africa/Casablanca|morocco
IN Asia/Kolkata|india
PK Asia/Karachi|pakistan
BD Asia/Dhaka|bangladesh
LK Asia/Colombo|sri lanka
SG Asia/Singapore|singapore
MY Asia/Kuala_Lumpur|malaysia
TH Asia/Bangkok|thailand
VN Asia/Ho_Chi_Minh|vietnam,viet nam
PH Asia/Manila|philippines
ID -|indonesia
CN Asia/Shanghai|china
HK Asia/Hong_Kong|hong kong,hong kong sar
TW Asia/Taipei|taiwan
JP Asia/Tokyo|japan
KR Asia/Seoul|south korea,korea,republic of korea
AU -|australia
NZ Pacific/Auckland|new zealand,aotearoa
US -|united states,united states of america,usa,us
CA -|canada
MX -|mexico,méxico
BR -|brazil,brasil
AR America/Argentina/Buenos_Aires|argentina
CL America/Santiago|chile
CO America/Bogota|colombia
PE America/Lima|peru,perú
UY America/Montevideo|uruguay
RU -|russia,russian federation
"""
for _row in _COUNTRY_ROWS.strip().splitlines():
    _head, _names = _row.split("|")
    _code, _zone = _head.split()
    for _name in _names.split(","):
        _COUNTRIES[_name] = (_code, None if _zone == "-" else _zone)

# city or region (folded) -> (ISO code, zone)
_PLACES: dict[str, tuple[str, str]] = {}
_PLACE_ROWS = """
US America/New_York|new york,new york city,nyc,boston,massachusetts,washington dc,washington d c,district of columbia,philadelphia,pennsylvania,atlanta,georgia,miami,florida,new jersey,connecticut,maryland,virginia,north carolina,charlotte,raleigh,raleigh-durham,ohio,michigan,detroit,pittsburgh,baltimore,orlando,tampa,new hampshire,maine,vermont,rhode island,delaware,south carolina,indiana,indianapolis,kentucky,west virginia,columbus,cleveland
US America/Chicago|chicago,illinois,texas,dallas,houston,austin,san antonio,dallas-fort worth,minnesota,minneapolis,wisconsin,milwaukee,missouri,st louis,kansas city,iowa,tennessee,nashville,louisiana,new orleans,oklahoma,kansas,nebraska,alabama,mississippi,arkansas
US America/Denver|denver,colorado,utah,salt lake city,new mexico,montana,wyoming,idaho,boise
US America/Phoenix|phoenix,arizona
US America/Los_Angeles|san francisco,san francisco bay,los angeles,california,seattle,washington,portland,oregon,san diego,san jose,silicon valley,las vegas,nevada,sacramento,oakland,palo alto
US America/Anchorage|alaska
US Pacific/Honolulu|hawaii,honolulu
CA America/Toronto|toronto,ontario,ottawa,montreal,montréal,quebec,québec
CA America/Vancouver|vancouver,british columbia
CA America/Edmonton|calgary,edmonton,alberta
CA America/Winnipeg|winnipeg,manitoba
CA America/Halifax|halifax,nova scotia
AU Australia/Sydney|sydney,new south wales,nsw,canberra
AU Australia/Melbourne|melbourne,victoria
AU Australia/Brisbane|brisbane,queensland
AU Australia/Perth|perth,western australia
AU Australia/Adelaide|adelaide,south australia
AU Australia/Hobart|hobart,tasmania
NZ Pacific/Auckland|auckland,wellington,christchurch
BR America/Sao_Paulo|são paulo,sao paulo,rio de janeiro,belo horizonte,brasília,brasilia,curitiba,porto alegre
MX America/Mexico_City|mexico city,ciudad de méxico,guadalajara,monterrey
RU Europe/Moscow|moscow,saint petersburg,st petersburg
ID Asia/Jakarta|jakarta,bandung,surabaya
ID Asia/Makassar|bali,denpasar
GB Europe/London|london,manchester,birmingham,edinburgh,glasgow,bristol,leeds,liverpool,cambridge,oxford,belfast,cardiff
FR Europe/Paris|paris,île-de-france,ile-de-france,lyon,marseille,toulouse,bordeaux,lille,nantes
DE Europe/Berlin|berlin,munich,münchen,hamburg,frankfurt,cologne,köln,stuttgart,düsseldorf,bavaria,bayern
NL Europe/Amsterdam|amsterdam,rotterdam,utrecht,the hague,eindhoven
ES Europe/Madrid|madrid,barcelona,valencia,seville,sevilla
IT Europe/Rome|milan,milano,rome,roma,turin,torino
IE Europe/Dublin|dublin,cork
CH Europe/Zurich|zurich,zürich,geneva,genève,basel,lausanne
SE Europe/Stockholm|stockholm,gothenburg,göteborg
DK Europe/Copenhagen|copenhagen,københavn
NO Europe/Oslo|oslo
FI Europe/Helsinki|helsinki
PL Europe/Warsaw|warsaw,warszawa,kraków,krakow,wrocław
PT Europe/Lisbon|lisbon,lisboa,porto
BE Europe/Brussels|brussels,bruxelles,antwerp
AT Europe/Vienna|vienna,wien
IN Asia/Kolkata|bengaluru,bangalore,mumbai,new delhi,delhi,hyderabad,pune,chennai,gurgaon,gurugram,noida
SG Asia/Singapore|singapore
JP Asia/Tokyo|tokyo,osaka
KR Asia/Seoul|seoul
CN Asia/Shanghai|shanghai,beijing,shenzhen
HK Asia/Hong_Kong|hong kong
AE Asia/Dubai|dubai,abu dhabi
IL Asia/Jerusalem|tel aviv,jerusalem
ZA Africa/Johannesburg|johannesburg,cape town
"""
for _row in _PLACE_ROWS.strip().splitlines():
    _head, _names = _row.split("|")
    _code, _zone = _head.split()
    for _name in _names.split(","):
        _PLACES.setdefault(_name, (_code, _zone))

_NOISE = re.compile(
    r"\b(?:greater|metropolitan|metro|area|region|bay area|city of|and surrounding)\b", re.IGNORECASE
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = _NOISE.sub(" ", text)
    return " ".join(text.replace(".", " ").split()).strip(" -")


def _lookup_place(part: str) -> tuple[str, str] | None:
    key = _fold(part)
    hit = _PLACES.get(key)
    if hit is None and "-" in key:
        # "Washington DC-Baltimore Area", "Raleigh-Durham-Chapel Hill Area"
        for piece in key.split("-"):
            hit = _PLACES.get(piece.strip())
            if hit is not None:
                break
    return hit


@lru_cache(maxsize=1 << 14)
def guess_location(location: str | None) -> tuple[str | None, str | None]:
    """``(country, timezone)`` for an obvious location, ``(None, None)`` otherwise."""
    if not location:
        return None, None
    parts = [p.strip() for p in location.split(",") if p.strip()]
    if not parts:
        return None, None
    country: tuple[str, str | None] | None = None
    rest = parts
    last = _fold(parts[-1])
    if last in _COUNTRIES:
        country = _COUNTRIES[last]
        rest = parts[:-1]
    for part in rest:
        hit = _lookup_place(part)
        if hit is not None and (country is None or hit[0] == country[0]):
            return hit
    if country is not None:
        return country
    return None, None
