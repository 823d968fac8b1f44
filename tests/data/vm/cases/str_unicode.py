# str's character classes and case mappings by CPython 3.13's Unicode
# 15.1 tables (isalpha is letters only, isdecimal/isdigit/isnumeric by
# numeric type; titlecase and full case folding where they differ from
# upper/lower), and CPython's argument errors of the str methods.
chars = "aZ5²½Ⅷ٣३௰〇㐅\u0345\u0301ǅǆßﬁᾳŉµſΣ\u10d0ẞ_ "
for c in chars:
    print(f"U+{ord(c):04X}", c.isalpha(), c.isdecimal(), c.isdigit(), c.isnumeric(), c.isalnum(),
          c.isupper(), c.islower(), c.istitle(), repr(c.title()), repr(c.capitalize()), repr(c.casefold()))
print("ǆungla ǈub ǋx".title(), "ǆa".capitalize(), "ß fiance ŉa ᾳb".title(), "Straße ﬁsh".casefold())
print("ǅ".istitle(), "ǅa Ǉb".istitle(), "ǅ".islower(), "ǅ".isupper(), "ǅungla".istitle(), "x²".isalnum(), "½".isdigit())
for expr in ['"a".find(None)', '"a".count(1)', '"a".rindex(None)', '"a".find("a", None, "x")',
             '"a".startswith("a", 1.5)', '"abc".find("c", -10**30, 10**30)', '"abc".count("", 2**70)',
             '"a".strip(1)', '"a".rstrip(b"a")', '"a".removeprefix(None)', '"a".removesuffix(1)',
             '"a".replace("a")', '"a".replace("a", "b", 1, 2)', '"a".splitlines(True, 2)', '"a".expandtabs(1, 2)']:
    try:
        print(expr, "->", repr(eval(expr)))
    except Exception as e:
        print(expr, "->", type(e).__name__, e)
print("abc".find("", 5), "abc".rfind("", 4), "abc".count("", 4), "abc".startswith("", 4), "abc".endswith("", 3), "abc".find("", 3), "abc".count("", 3), b"abc".find(b"", 5), "abc".find("", 2, 1), "abc".count("", 2, 1), "abc".startswith("", 2, 1), "abc".index("", 3))
# A capital sigma lowered at the end of a word is final (case-ignorable
# characters skipped both ways), in lower/title/capitalize/swapcase but
# not casefold; title starts a word after any uncased character.
for s in ["ΟΔΟΣ", "ΟΔΟΣ ΚΑΙ", "Σ", "ΑΣΑ", "ΑΣ.", "'ΑΣ'", "ΑΣ'Α", "ΑΣ\u0301", "aΣ\u00ad", "Σa"]:
    print(s.lower(), s.title(), s.capitalize(), s.swapcase(), s.casefold())
print("they're bill's friends".title(), "ab1cd_ef".title(), "ʰa Ǆx".title())
