//! Number formatting: `repr(float)` and the format-spec mini-language of
//! `format()`, f-strings and `str.format` (Python/formatter_unicode.c and
//! Python/pystrtod.c, 3.13).

use num_bigint::{BigInt, Sign};

/// `repr(float)`: the shortest string that round-trips, in fixed notation
/// for exponents -4..16 and scientific otherwise.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let (neg, digits, exp) = shortest_digits(x);
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    // decpt: the decimal point sits after `decpt` digits.
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 16 {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        push_exponent(&mut s, exp);
    } else {
        push_fixed(&mut s, &digits, decpt, true);
    }
    s
}

/// Shortest round-trip digits of |x| and the decimal exponent of the first
/// digit (x = d.ddd × 10^exp).
fn shortest_digits(x: f64) -> (bool, String, i32) {
    let neg = x.is_sign_negative();
    if x == 0.0 {
        return (neg, "0".into(), 0);
    }
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (neg, digits.to_string(), exp.parse().unwrap_or(0))
}

fn push_exponent(s: &mut String, exp: i32) {
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        s.push('0');
    }
    s.push_str(&a.to_string());
}

/// Digits `d` with the point after `decpt` of them; `dot0` adds `.0` to an
/// integral result.
fn push_fixed(s: &mut String, d: &str, decpt: i32, dot0: bool) {
    if decpt <= 0 {
        s.push_str("0.");
        for _ in 0..(-decpt) {
            s.push('0');
        }
        s.push_str(d);
    } else if decpt as usize >= d.len() {
        s.push_str(d);
        for _ in 0..(decpt as usize - d.len()) {
            s.push('0');
        }
        if dot0 {
            s.push_str(".0");
        }
    } else {
        s.push_str(&d[..decpt as usize]);
        s.push('.');
        s.push_str(&d[decpt as usize..]);
    }
}

/// A parsed format spec: `[[fill]align][sign]["z"]["#"]["0"][width][grouping]["." precision][type]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// Fill character.
    pub fill: Option<char>,
    /// `<`, `>`, `^` or `=`.
    pub align: Option<char>,
    /// `+`, `-` or ` `.
    pub sign: Option<char>,
    /// `z`: negative zero becomes positive.
    pub z: bool,
    /// `#`.
    pub alt: bool,
    /// `0` before the width.
    pub zero: bool,
    /// The fill and alignment came from the `0` flag (no explicit ones):
    /// `=` for numbers, but a str pads on the right with zeros.
    pub zero_implied: bool,
    /// Minimum width.
    pub width: Option<usize>,
    /// `,` or `_`.
    pub grouping: Option<char>,
    /// Precision.
    pub precision: Option<usize>,
    /// Presentation type.
    pub ty: Option<char>,
}

/// The error text meaning "raise MemoryError" rather than ValueError.
pub const MEMORY_ERROR: &str = "\0MemoryError";

/// The prefix of an error text meaning "raise OverflowError" (with the
/// rest as its message) rather than ValueError.
pub const OVERFLOW_ERROR: &str = "\0OverflowError:";

/// The widest padding or precision pyrt builds (1 GiB of text).
pub const MAX_BUILT_WIDTH: usize = 1 << 30;

/// Parses a format spec; errors are CPython's `ValueError` messages.
pub fn parse_spec(spec: &str) -> Result<Spec, String> {
    let c: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec::default();
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = Some(c[0]);
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        s.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == 'z' {
        s.z = true;
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        let w: String = c[start..i].iter().collect();
        s.width = Some(
            w.parse()
                .map_err(|_| "Too many decimal digits in format string".to_string())?,
        );
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        s.grouping = Some(c[i]);
        i += 1;
        if i < c.len() && matches!(c[i], ',' | '_') {
            return Err("Cannot specify both ',' and '_'.".into());
        }
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let ps = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == ps {
            return Err("Format specifier missing precision".into());
        }
        let p: String = c[ps..i].iter().collect();
        s.precision = Some(
            p.parse()
                .map_err(|_| "Too many decimal digits in format string".to_string())?,
        );
    }
    if c.len() - i > 1 {
        return Err("Invalid format specifier".into());
    }
    if i < c.len() {
        s.ty = Some(c[i]);
    }
    if s.zero && s.fill.is_none() && s.align.is_none() {
        s.fill = Some('0');
        s.align = Some('=');
        s.zero_implied = true;
    }
    // Widths and precisions that cannot be built are a MemoryError
    // (CPython tries the allocation; pyrt refuses before trying).
    if s.precision.is_some_and(|p| p > i32::MAX as usize) {
        return Err("precision too big".into());
    }
    if s.width.is_some_and(|w| w > MAX_BUILT_WIDTH)
        || s.precision.is_some_and(|p| p > MAX_BUILT_WIDTH)
    {
        return Err(MEMORY_ERROR.into());
    }
    Ok(s)
}

fn unknown_code(ty: char, what: &str) -> String {
    format!("Unknown format code '{ty}' for object of type '{what}'")
}

/// Pads `body` (sign and prefix separate for `=` alignment) to the width.
fn pad(spec: &Spec, sign: &str, body: &str, default_align: char) -> String {
    let fill = spec.fill.unwrap_or(' ');
    let align = spec.align.unwrap_or(default_align);
    let len = sign.chars().count() + body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        return format!("{sign}{body}");
    }
    let n = width - len;
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

/// Inserts grouping separators every `every` digits into an integer part.
fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Grouping with zero padding: CPython pads the digits with zeros (and
/// separators) up to the width before the sign.
fn group_padded(digits: &str, sep: char, every: usize, min_len: usize) -> String {
    let mut d = digits.to_string();
    loop {
        let g = group(&d, sep, every);
        if g.chars().count() >= min_len {
            return g;
        }
        d.insert(0, '0');
    }
}

fn sign_str(neg: bool, spec: &Spec) -> &'static str {
    if neg {
        "-"
    } else {
        match spec.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    }
}

/// `format(int, spec)`.
pub fn format_int(v: &BigInt, spec: &Spec, type_name: &str) -> Result<String, String> {
    let ty = spec.ty.unwrap_or('d');
    if spec.precision.is_some() && matches!(ty, 'd' | 'b' | 'o' | 'x' | 'X' | 'c' | 'n') {
        return Err("Precision not allowed in integer format specifier".into());
    }
    if matches!(ty, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
        let f = bigint_to_f64(v).ok_or("int too large to convert to float")?;
        return format_float(f, spec);
    }
    if spec.z {
        return Err("Negative zero coercion (z) not allowed in integer format specifier".into());
    }
    let neg = v.sign() == Sign::Minus;
    let mag = v.magnitude();
    let (digits, prefix, every) = match ty {
        'd' | 'n' => (mag.to_str_radix(10), "", 3),
        'b' => (mag.to_str_radix(2), "0b", 4),
        'o' => (mag.to_str_radix(8), "0o", 4),
        'x' => (mag.to_str_radix(16), "0x", 4),
        'X' => (mag.to_str_radix(16).to_uppercase(), "0X", 4),
        'c' => {
            if spec.sign.is_some() {
                return Err("Sign not allowed with integer format specifier 'c'".into());
            }
            if spec.alt {
                return Err(
                    "Alternate form (#) not allowed with integer format specifier 'c'".into(),
                );
            }
            if v.bits() > 63 {
                return Err(format!(
                    "{OVERFLOW_ERROR}Python int too large to convert to C long"
                ));
            }
            let cp = u32::try_from(v)
                .ok()
                .filter(|c| *c <= 0x10FFFF)
                .ok_or_else(|| format!("{OVERFLOW_ERROR}%c arg not in range(0x110000)"))?;
            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
            return Ok(pad(spec, "", &ch.to_string(), '<'));
        }
        other => return Err(unknown_code(other, type_name)),
    };
    if spec.grouping == Some(',') && !matches!(ty, 'd') {
        return Err(format!("Cannot specify ',' with '{ty}'."));
    }
    let sign = sign_str(neg, spec);
    let prefix = if spec.alt { prefix } else { "" };
    let body = match spec.grouping {
        Some(sep) if spec.align == Some('=') && spec.fill == Some('0') => {
            let min = spec
                .width
                .unwrap_or(0)
                .saturating_sub(sign.len() + prefix.len());
            group_padded(&digits, sep, every, min)
        }
        Some(sep) => group(&digits, sep, every),
        None => digits,
    };
    Ok(pad(spec, &format!("{sign}{prefix}"), &body, '>'))
}

/// Converts an int to float, `None` on overflow.
pub fn bigint_to_f64(v: &BigInt) -> Option<f64> {
    use num_traits::ToPrimitive;
    let f = v.to_f64()?;
    if f.is_finite() { Some(f) } else { None }
}

/// Digits of |x| rounded to `prec` places after the point (fixed).
fn fixed_digits(x: f64, prec: usize) -> String {
    format!("{:.*}", prec, x.abs())
}

/// |x| in scientific notation with `prec` digits after the point, Python
/// style exponent.
fn exp_digits(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let mut out = m.to_string();
    push_exponent(&mut out, e);
    if upper {
        out = out.to_uppercase();
    }
    out
}

/// `format(float, spec)`.
pub fn format_float(x: f64, spec: &Spec) -> Result<String, String> {
    let ty = spec.ty;
    if let Some(t) = ty
        && !matches!(t, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' | 'n')
    {
        return Err(unknown_code(t, "float"));
    }
    if spec.grouping.is_some() && ty == Some('n') {
        return Err("Cannot specify ',' with 'n'.".into());
    }
    let mut neg = x.is_sign_negative() && !x.is_nan();
    let upper = matches!(ty, Some('E' | 'F' | 'G'));
    let body: String = if x.is_nan() || x.is_infinite() {
        let s = if x.is_nan() { "nan" } else { "inf" };
        let mut s = if upper {
            s.to_uppercase()
        } else {
            s.to_string()
        };
        if ty == Some('%') {
            s.push('%');
        }
        s
    } else {
        match ty {
            None if spec.precision.is_none() => float_repr(x.abs()),
            Some('f' | 'F') => fixed_digits(x, spec.precision.unwrap_or(6)),
            Some('e' | 'E') => exp_digits(x, spec.precision.unwrap_or(6), upper),
            Some('%') => {
                let s = fixed_digits(x * 100.0, spec.precision.unwrap_or(6));
                format!("{s}%")
            }
            _ => {
                // 'g', 'G', 'n' and no type with a precision.
                let p = spec.precision.unwrap_or(6).max(1);
                general(x, p, upper, spec.alt, ty.is_none())
            }
        }
    };
    if spec.z && neg && body_is_zero(&body) {
        neg = false;
    }
    let body = if spec.alt && !body.contains('.') && !x.is_nan() && !x.is_infinite() {
        // '#' keeps the point.
        match body.find(['e', 'E', '%']) {
            Some(i) => format!("{}.{}", &body[..i], &body[i..]),
            None => format!("{body}."),
        }
    } else {
        body
    };
    let sign = sign_str(neg, spec);
    let body = match spec.grouping {
        Some(sep) => {
            let (int_part, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
                Some(i) => (&body[..i], &body[i..]),
                None => (&body[..], ""),
            };
            let g = if spec.align == Some('=') && spec.fill == Some('0') {
                let min = spec
                    .width
                    .unwrap_or(0)
                    .saturating_sub(sign.len() + rest.chars().count());
                group_padded(int_part, sep, 3, min)
            } else {
                group(int_part, sep, 3)
            };
            format!("{g}{rest}")
        }
        None => body,
    };
    Ok(pad(spec, sign, &body, '>'))
}

fn body_is_zero(b: &str) -> bool {
    b.chars()
        .all(|c| matches!(c, '0' | '.' | 'e' | 'E' | '+' | '-' | '%'))
}

/// The 'g' presentation of |x| with `p` significant digits. `no_type`:
/// format with a precision but no type (at least one digit after the
/// point, as repr does).
fn general(x: f64, p: usize, upper: bool, alt: bool, no_type: bool) -> String {
    if x == 0.0 {
        let mut s = String::from("0");
        if alt {
            s.push('.');
            s.push_str(&"0".repeat(p - 1));
        } else if no_type {
            s.push_str(".0");
        }
        return s;
    }
    // Exponent after rounding to p significant digits.
    let e_str = format!("{:.*e}", p - 1, x.abs());
    let (mant, e) = e_str.split_once('e').unwrap_or((&e_str, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    let use_exp = exp < -4 || exp >= p as i32;
    let mut digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    if !alt {
        let t = digits.trim_end_matches('0');
        digits = if t.is_empty() {
            "0".into()
        } else {
            t.to_string()
        };
    }
    let mut s = String::new();
    if use_exp {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        } else if no_type {
            // repr-style: "1e+16" keeps no point.
        }
        push_exponent(&mut s, exp);
        if upper {
            s = s.to_uppercase();
        }
    } else {
        push_fixed(&mut s, &digits, exp + 1, no_type);
    }
    s
}

/// `format(str, spec)`.
pub fn format_str(s: &str, spec: &Spec) -> Result<String, String> {
    if let Some(t) = spec.ty
        && t != 's'
    {
        return Err(unknown_code(t, "str"));
    }
    if spec.sign == Some(' ') {
        return Err("Space not allowed in string format specifier".into());
    }
    if spec.sign.is_some() {
        return Err("Sign not allowed in string format specifier".into());
    }
    if spec.alt {
        return Err("Alternate form (#) not allowed in string format specifier".into());
    }
    if spec.align == Some('=') && !spec.zero_implied {
        return Err("'=' alignment not allowed in string format specifier".into());
    }
    if spec.grouping.is_some() {
        return Err(format!(
            "Cannot specify '{}' with 's'.",
            spec.grouping.unwrap_or(',')
        ));
    }
    let body: String = match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    if spec.zero_implied {
        // `format('ab', '06')`: zeros on the right.
        let left = Spec {
            align: Some('<'),
            ..spec.clone()
        };
        return Ok(pad(&left, "", &body, '<'));
    }
    Ok(pad(spec, "", &body, '<'))
}

/// `round(x, ndigits)` for floats: correctly rounded, half to even on the
/// exact binary value (as CPython's `double_round` via `_Py_dg_dtoa`).
pub fn round_float(x: f64, ndigits: i64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    if ndigits > 22 {
        return x;
    }
    if ndigits < -308 {
        return 0.0 * x.signum();
    }
    // Format with the exact decimal rounding Rust provides (round half to
    // even on the exact value), then parse back.
    if ndigits >= 0 {
        let s = format!("{:.*}", ndigits as usize, x);
        s.parse().unwrap_or(x)
    } else {
        let p = 10f64.powi((-ndigits) as i32);
        let y = x / p;
        let r = y.round_ties_even();
        // Half-way cases must be judged on the exact value of x.
        let r = if (y - y.trunc()).abs() == 0.5 {
            r
        } else {
            y.round()
        };
        let out = r * p;
        if out.is_infinite() { x } else { out }
    }
}
