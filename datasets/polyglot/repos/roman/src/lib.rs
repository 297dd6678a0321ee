//! Roman numerals, parsed and formatted.

const NUMERALS: [(u32, &str); 13] = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
];

fn value(c: char) -> Option<u32> {
    Some(match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        'M' => 1000,
        _ => return None,
    })
}

/// The value of a numeral such as `"XIV"`, or `None` for text that is not one.
pub fn parse(text: &str) -> Option<u32> {
    let mut total = 0;
    for c in text.chars() {
        total += value(c)?;
    }
    if total == 0 { None } else { Some(total) }
}

/// `n` as a numeral (1 to 3999); other numbers are written in decimal digits.
pub fn format(n: u32) -> String {
    if n == 0 || n > 3999 {
        return itoa::Buffer::new().format(n).to_string();
    }
    let mut out = String::new();
    let mut rest = n;
    for (v, s) in NUMERALS {
        while rest >= v {
            out.push_str(s);
            rest -= v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_additive_numerals() {
        assert_eq!(parse("XVIII"), Some(18));
        assert_eq!(parse("MDCLXVI"), Some(1666));
    }

    #[test]
    fn rejects_other_text() {
        assert_eq!(parse("XIZ"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(format(1994), "MCMXCIV");
        assert_eq!(format(4000), "4000");
    }
}
