"""Decoding fixture set: pages in 17 languages (Chinese in two scripts), each encoded in its real legacy codecs
and mislabelled in the ways found on real corpora (see README, "The page model").

``python -m tests.encoding_fixtures`` normalises every fixture page and prints how many pages'
text differs from the original string (the target is 0), then one line per failing page.

Cases, per (language, codec):
- ``legacy-as-utf8``: legacy bytes whose ``<meta>`` says UTF-8 (rule 5, detection);
- ``legacy-unlabelled``: legacy bytes with no charset anywhere (rule 5);
- ``legacy-labelled``: legacy bytes with the right label (rule 4, the control);
- ``utf8-as-legacy``: UTF-8 bytes whose ``<meta>`` names the legacy codec (rule 2);
- ``utf8-as-legacy-http``: the same, with the legacy label in the HTTP header (rule 2);
- ``utf8-few-invalid``: UTF-8 declared as UTF-8 with two stray bytes (rule 3; expected text has
  U+FFFD where they were).
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

from curation.normalise import normalise

#: (language, codecs, title, paragraphs). Texts written for these fixtures (no third-party text).
LANGUAGES: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]] = [
    ("fr", ("cp1252", "iso8859-15"), "Élections à Besançon", (
        "Le maire sortant a présenté mercredi son programme pour la prochaine élection municipale.",
        "Il promet des crèches supplémentaires, une piscine rénovée et des pistes cyclables sûres.",
        "« Nous avons déjà réalisé beaucoup », a-t-il déclaré devant une foule nombreuse à l'hôtel de ville.",
    )),
    ("de", ("cp1252",), "Hochwasser an der Mosel", (
        "Nach tagelangem Regen ist der Pegel der Mosel in Trier über acht Meter gestiegen.",
        "Die Feuerwehr räumte mehrere Straßen, Anwohner müssen ihre Häuser vorübergehend verlassen.",
        "Bürgermeister Müller sprach von einer außergewöhnlichen Lage und bat um Geduld.",
    )),
    ("es", ("cp1252",), "La economía crece en el último trimestre", (
        "El Instituto Nacional de Estadística publicó el jueves los datos del crecimiento económico.",
        "La inversión extranjera aumentó un tres por ciento, según el informe oficial del año.",
        "¿Será suficiente para reducir el desempleo? Los analistas todavía no están de acuerdo.",
    )),
    ("pl", ("cp1250", "iso8859-2"), "Przyszłość polskiej kolei", (
        "Minister infrastruktury przedstawił w środę plan modernizacji linii kolejowych na Śląsku.",
        "Pociągi mają jeździć szybciej, a podróż z Gdańska do Łodzi skróci się o godzinę.",
        "Związkowcy zapowiadają jednak protest, żądając podwyżek dla maszynistów i konduktorów.",
    )),
    ("cs", ("cp1250", "iso8859-2"), "Řeka Vltava se vylila z břehů", (
        "Hladina Vltavy v Českých Budějovicích stoupla během noci o dva metry.",
        "Hasiči evakuovali obyvatele několika ulic a vyzývají řidiče, aby se oblasti vyhnuli.",
        "Meteorologové očekávají, že déšť ustane až v pátek večer, říká mluvčí úřadu.",
    )),
    ("hu", ("cp1250", "iso8859-2"), "Új híd épül a Dunán", (
        "A kormány bejelentette, hogy jövő tavasszal kezdődik az új közúti híd építése Győr közelében.",
        "A beruházás várhatóan három évig tart, és jelentősen csökkenti a forgalmi dugókat.",
        "A környékbeli lakók örülnek, de aggódnak a zaj és a por miatt az építkezés idején.",
    )),
    ("ru", ("cp1251", "koi8-r"), "Новый мост через Неву", (
        "В четверг в Санкт-Петербурге открыли движение по новому мосту через Неву.",
        "Строительство продолжалось четыре года и обошлось городу дороже, чем планировалось.",
        "Жители соседних районов говорят, что дорога на работу теперь занимает вдвое меньше времени.",
    )),
    ("uk", ("cp1251", "koi8-u"), "Врожай пшениці цього року", (
        "Аграрії Полтавщини зібрали рекордний врожай пшениці, повідомляє обласна адміністрація.",
        "Погода сприяла: дощі йшли саме тоді, коли їх чекали, а спека прийшла пізніше.",
        "Експортери сподіваються, що ціни на світовому ринку залишаться високими до зими.",
    )),
    ("el", ("cp1253", "iso8859-7"), "Νέο μουσείο στην Αθήνα", (
        "Το νέο αρχαιολογικό μουσείο άνοιξε τις πόρτες του στο κέντρο της Αθήνας την Τετάρτη.",
        "Οι επισκέπτες μπορούν να δουν ευρήματα από τις ανασκαφές της τελευταίας δεκαετίας.",
        "Η είσοδος θα είναι δωρεάν για τους μαθητές μέχρι το τέλος του καλοκαιριού.",
    )),
    ("tr", ("cp1254", "iso8859-9"), "İstanbul'da yeni metro hattı açıldı", (
        "Belediye başkanı, Üsküdar ile Çekmeköy arasındaki yeni metro hattını perşembe günü açtı.",
        "Hattın günde yüz bin yolcu taşıması ve trafiği önemli ölçüde azaltması bekleniyor.",
        "Yolcular ilk gün ücretsiz seyahat etti; istasyonlarda uzun kuyruklar oluştu.",
    )),
    ("he", ("cp1255", "iso8859-8"), "רכבת חדשה לירושלים", (
        "משרד התחבורה הודיע היום כי הקו המהיר לירושלים יפעל גם בסופי שבוע.",
        "הנוסעים יוכלו להגיע מתל אביב לירושלים בתוך חצי שעה בלבד.",
        "ראש העירייה בירך על ההחלטה ואמר שהיא תחזק את המסחר במרכז העיר.",
    )),
    ("ar", ("cp1256", "iso8859-6"), "افتتاح مكتبة جديدة في القاهرة", (
        "افتتحت وزارة الثقافة يوم الأربعاء مكتبة عامة جديدة في وسط القاهرة.",
        "تضم المكتبة أكثر من مئة ألف كتاب وقاعة كبيرة للأطفال والطلاب.",
        "وقال الوزير إن المشروع جزء من خطة لنشر القراءة في جميع المحافظات.",
    )),
    ("lt", ("cp1257", "iso8859-13"), "Vilniuje atidarytas naujas tiltas", (
        "Trečiadienį Vilniuje per Nerį atidarytas naujas pėsčiųjų ir dviratininkų tiltas.",
        "Statybos truko dvejus metus, o darbų kaina viršijo dešimt milijonų eurų.",
        "Gyventojai džiaugiasi, kad kelionė į senamiestį dabar užtrunka vos kelias minutes.",
    )),
    ("ja", ("shift_jis", "euc_jp"), "東京で新しい美術館が開館", (
        "東京の上野公園に新しい美術館が水曜日に開館しました。",
        "館内では江戸時代の浮世絵や現代の写真作品が展示されています。",
        "館長は、多くの若い人たちに日本の芸術を楽しんでほしいと話しました。",
    )),
    ("zh-Hans", ("gb2312", "gbk"), "北京新地铁线路开通", (
        "北京市交通委员会宣布，新的地铁线路将于本周六正式开通运营。",
        "这条线路全长三十公里，连接城市东部和首都国际机场。",
        "市民表示，新线路开通后上下班的时间可以缩短一半。",
    )),
    ("zh-Hant", ("big5",), "臺北舉辦國際書展", (
        "第三十屆臺北國際書展於星期三開幕，吸引了來自四十個國家的出版社。",
        "主辦單位表示，今年的主題是閱讀與環境，並邀請多位作家舉行講座。",
        "許多家長帶著孩子參觀，兒童館的入口排起了長長的隊伍。",
    )),
    ("ko", ("euc_kr",), "서울에 새 도서관 개관", (
        "서울시는 수요일 강남구에 대형 공공 도서관을 새로 열었다고 밝혔다.",
        "도서관에는 이십만 권의 책과 어린이를 위한 열람실이 마련되어 있다.",
        "시장은 시민 누구나 무료로 이용할 수 있다고 강조했다.",
    )),
    ("th", ("cp874", "tis-620"), "เปิดสะพานใหม่ข้ามแม่น้ำเจ้าพระยา", (
        "กรุงเทพมหานครเปิดสะพานใหม่ข้ามแม่น้ำเจ้าพระยาเมื่อวันพุธที่ผ่านมา",
        "สะพานนี้จะช่วยลดปัญหาการจราจรติดขัดในช่วงเวลาเร่งด่วนได้มาก",
        "ประชาชนในพื้นที่กล่าวว่าการเดินทางไปทำงานสะดวกขึ้นกว่าเดิม",
    )),
]  # fmt: skip

CASES = ("legacy-as-utf8", "legacy-unlabelled", "legacy-labelled", "utf8-as-legacy", "utf8-as-legacy-http",
         "utf8-few-invalid")
#: Stray bytes injected by ``utf8-few-invalid`` (a truncated cp1252 quote and a lone continuation byte).
STRAY = (b"\x93", b"\xbf")


@dataclass(frozen=True)
class Fixture:
    name: str
    raw: bytes
    http_charset: str | None
    expected: str  # the text the normaliser must produce


def _page(title: str, paragraphs: tuple[str, ...], meta: str | None) -> str:
    head = (f'<meta charset="{meta}">' if meta else "") + f"<title>{title}</title>"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<!DOCTYPE html><html><head>{head}</head><body><h1>{title}</h1>{body}</body></html>"


def fixtures() -> list[Fixture]:
    """Every fixture page with the text the normaliser must produce."""
    out = []
    for lang, codecs_, title, paragraphs in LANGUAGES:
        expected = unicodedata.normalize("NFC", "\n".join((title, *paragraphs)))
        for codec in codecs_:
            def make(case: str, meta: str | None, enc: str, http: str | None = None) -> None:
                raw = _page(title, paragraphs, meta).encode(enc)
                out.append(Fixture(f"{lang}/{codec}/{case}", raw, http, expected))

            make("legacy-as-utf8", "utf-8", codec)
            make("legacy-unlabelled", None, codec)
            make("legacy-labelled", codec, codec)
            make("utf8-as-legacy", codec, "utf-8")
            make("utf8-as-legacy-http", None, "utf-8", http=codec)
        # Rule 3 needs enough non-ASCII bytes for two stray ones to stay under 0.5 %: a long page.
        repeat = 1 + 1000 // sum(1 for b in "".join(paragraphs).encode() if b > 127)
        long_paragraphs = paragraphs * repeat
        page = _page(title, long_paragraphs, "utf-8").encode("utf-8")
        cut, end = page.index(b"<p>") + 3, page.index(b"</body>")
        # the first stray byte starts the first paragraph, the second sits in an (invisible) comment
        damaged = page[:cut] + STRAY[0] + page[cut:end] + b"<!--" + STRAY[1] + b"-->" + page[end:]
        text = unicodedata.normalize("NFC", "\n".join((title, "\ufffd" + long_paragraphs[0], *long_paragraphs[1:])))
        out.append(Fixture(f"{lang}/utf-8/utf8-few-invalid", damaged, None, text))
    return out


def failures() -> list[tuple[Fixture, str]]:
    """(fixture, what the normaliser produced) for every page whose text differs from the original."""
    bad = []
    for fx in fixtures():
        page = normalise(fx.raw, "html", http_charset=fx.http_charset)
        if page.text != fx.expected:
            bad.append((fx, f"{page.encoding} ({page.encoding_source}): {page.text[:60]!r}"))
    return bad


def main() -> int:
    all_fixtures = fixtures()
    bad = failures()
    languages = len({lang.split("-")[0] for lang, *_ in LANGUAGES})
    print(f"{len(bad)} of {len(all_fixtures)} fixture pages ({languages} languages, Chinese in two scripts) "
          "decode to a text that differs from the original")
    for fx, got in bad:
        print(f"  {fx.name}: {got}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
