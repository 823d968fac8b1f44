//! The `python` command-line scanner.
//!
//! Mirrors `Python/getopt.c` (`_PyOS_GetOpt`, 3.13): short options
//! `bBc:dEhiIJm:OPqRsStuvVW:xX:?` (a `:` marks an option with an argument),
//! long options `--check-hash-based-pycs ARG`, `--help-all`, `--help-env`,
//! `--help-xoptions`, plus `--help` and `--version` recognised as whole
//! words. Scanning stops at the first non-option word, at a lone `-`, after
//! `--`, or where the caller stops (after `-c`/`-m`).
//!
//! Quirks kept on purpose because `python` has them:
//! - an option taking an argument takes the rest of its word if non-empty,
//!   otherwise the next word *whatever it looks like* (`-W -c`);
//! - a `-` inside a group (`-b-`) starts a long option; an empty one ends
//!   the scan with "expected long option";
//! - `-J` is rejected as reserved for Jython;
//! - the unknown-option message prints the option's low byte, as CPython's
//!   `fprintf("%c", (char)option)` does.
//!
//! Messages are returned instead of printed so the caller decides where
//! they go (CPython's `_PyOS_opterr`).

use crate::wstr::WString;

/// Short options; a following `:` means the option takes an argument.
const SHORT_OPTS: &[u8] = b"bBc:dEhiIJm:OPqRsStuvVW:xX:?";

/// The long options with their `has_arg`.
const LONG_OPTS: &[(&str, LongOpt, bool)] = &[
    ("check-hash-based-pycs", LongOpt::CheckHashBasedPycs, true),
    ("help-all", LongOpt::HelpAll, false),
    ("help-env", LongOpt::HelpEnv, false),
    ("help-xoptions", LongOpt::HelpXoptions, false),
];

/// A recognised long option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LongOpt {
    CheckHashBasedPycs,
    HelpAll,
    HelpEnv,
    HelpXoptions,
}

/// One scanning step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Opt {
    /// A short option (the character) with its argument if it takes one.
    Short(char, Option<WString>),
    /// A long option with its argument if it takes one.
    Long(LongOpt, Option<WString>),
    /// A scanning error (`'_'` in CPython); `message` is what CPython prints
    /// when `_PyOS_opterr` is set, without the newline.
    Invalid { message: Vec<u8> },
    /// End of options (`EOF`).
    End,
}

/// Scanner state (`_PyOS_optind`, `opt_ptr`).
#[derive(Debug)]
pub(crate) struct GetOpt<'a> {
    argv: &'a [WString],
    /// Index of the next word to scan (`_PyOS_optind`); starts at 1.
    pub(crate) optind: usize,
    /// Remaining code points of the current option group (`opt_ptr`).
    group: Vec<u32>,
    group_pos: usize,
}

impl<'a> GetOpt<'a> {
    /// `_PyOS_ResetGetOpt()` over `argv` (argv[0] is the program).
    pub(crate) fn new(argv: &'a [WString]) -> GetOpt<'a> {
        GetOpt {
            argv,
            optind: 1,
            group: Vec::new(),
            group_pos: 0,
        }
    }

    fn group_rest(&self) -> &[u32] {
        &self.group[self.group_pos..]
    }

    /// `_PyOS_GetOpt()`: the next option.
    pub(crate) fn next_opt(&mut self) -> Opt {
        if self.group_rest().is_empty() {
            let Some(word) = self.argv.get(self.optind) else {
                return Opt::End;
            };
            let cps = c_string(word);
            if cps.first() != Some(&u32::from(b'-')) || cps.len() == 1 {
                return Opt::End;
            }
            if cps == [0x2D, 0x2D] {
                self.optind += 1;
                return Opt::End;
            }
            if word_is(&cps, "--help") {
                self.optind += 1;
                return Opt::Short('h', None);
            }
            if word_is(&cps, "--version") {
                self.optind += 1;
                return Opt::Short('V', None);
            }
            self.group = cps;
            self.group_pos = 1;
            self.optind += 1;
        }

        let option = self.group[self.group_pos];
        self.group_pos += 1;

        if option == u32::from(b'-') {
            let name = self.group_rest().to_vec();
            if name.is_empty() {
                return Opt::End; // "expected long option", printed only with opterr
            }
            self.group.clear();
            self.group_pos = 0;
            let Some(&(_, which, has_arg)) = LONG_OPTS.iter().find(|(n, _, _)| word_is(&name, n))
            else {
                let mut message = b"unknown option ".to_vec();
                message.extend(encode_for_message(&self.argv[self.optind - 1]));
                return Opt::Invalid { message };
            };
            if !has_arg {
                return Opt::Long(which, None);
            }
            let Some(arg) = self.argv.get(self.optind) else {
                let mut message = b"Argument expected for the ".to_vec();
                message.extend(encode_for_message(&self.argv[self.optind - 1]));
                message.extend_from_slice(b" options");
                return Opt::Invalid { message };
            };
            self.optind += 1;
            return Opt::Long(which, Some(arg.clone()));
        }

        if option == u32::from(b'J') {
            return Opt::Invalid {
                message: b"-J is reserved for Jython".to_vec(),
            };
        }

        let spec = (option < 0x80)
            .then(|| SHORT_OPTS.iter().position(|&b| u32::from(b) == option))
            .flatten();
        let Some(idx) = spec.filter(|_| option != u32::from(b':')) else {
            let mut message = b"Unknown option: -".to_vec();
            message.push(option as u8); // CPython prints `(char)option`
            return Opt::Invalid { message };
        };
        let ch = char::from(option as u8);
        if SHORT_OPTS.get(idx + 1) != Some(&b':') {
            return Opt::Short(ch, None);
        }
        if !self.group_rest().is_empty() {
            let arg =
                WString::from_code_points(self.group_rest().iter().copied()).unwrap_or_default();
            self.group.clear();
            self.group_pos = 0;
            return Opt::Short(ch, Some(arg));
        }
        let Some(arg) = self.argv.get(self.optind) else {
            return Opt::Invalid {
                message: format!("Argument expected for the -{ch} option").into_bytes(),
            };
        };
        self.optind += 1;
        Opt::Short(ch, Some(arg.clone()))
    }
}

/// The code points of `w` up to the first NUL, as C sees a `wchar_t *`.
fn c_string(w: &WString) -> Vec<u32> {
    w.code_points().take_while(|&c| c != 0).collect()
}

fn word_is(cps: &[u32], s: &str) -> bool {
    cps.len() == s.len() && cps.iter().zip(s.bytes()).all(|(&c, b)| c == u32::from(b))
}

/// Encodes a wide string for an error message (`%ls`): UTF-8 with
/// surrogateescape, unencodable surrogates as `?`.
pub(crate) fn encode_for_message(w: &WString) -> Vec<u8> {
    w.encode_utf8_surrogateescape()
        .unwrap_or_else(|_| w.to_string_lossy().replace('\u{FFFD}', "?").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(args: &[&str]) -> (Vec<Opt>, usize) {
        let argv: Vec<WString> = std::iter::once("python")
            .chain(args.iter().copied())
            .map(WString::from)
            .collect();
        let mut g = GetOpt::new(&argv);
        let mut out = Vec::new();
        loop {
            let o = g.next_opt();
            let stop = matches!(o, Opt::End | Opt::Invalid { .. })
                || matches!(o, Opt::Short('c' | 'm', _));
            out.push(o);
            if stop {
                break;
            }
        }
        (out, g.optind)
    }

    fn s(c: char, a: Option<&str>) -> Opt {
        Opt::Short(c, a.map(WString::from))
    }

    #[test]
    fn groups_and_glued_arguments() {
        let (o, _) = scan(&["-bEsB", "-Wd", "-cpass"]);
        assert_eq!(
            o,
            vec![
                s('b', None),
                s('E', None),
                s('s', None),
                s('B', None),
                s('W', Some("d")),
                s('c', Some("pass"))
            ]
        );
    }

    #[test]
    fn argument_taken_from_next_word_whatever_it_is() {
        let (o, idx) = scan(&["-W", "-c", "pass"]);
        assert_eq!(o, vec![s('W', Some("-c")), Opt::End]);
        assert_eq!(idx, 3);
    }

    #[test]
    fn stops_at_script_dash_and_double_dash() {
        assert_eq!(scan(&["x.py", "-O"]).1, 1);
        assert_eq!(scan(&["-", "-O"]).1, 1);
        let (o, idx) = scan(&["--", "-c"]);
        assert_eq!(o, vec![Opt::End]);
        assert_eq!(idx, 2);
    }

    #[test]
    fn long_options() {
        let (o, _) = scan(&["--check-hash-based-pycs", "always", "--help-env"]);
        assert_eq!(
            o[..2],
            [
                Opt::Long(LongOpt::CheckHashBasedPycs, Some(WString::from("always"))),
                Opt::Long(LongOpt::HelpEnv, None)
            ]
        );
        let (o, _) = scan(&["--check-hash-based-pycs=always"]);
        assert_eq!(
            o,
            vec![Opt::Invalid {
                message: b"unknown option --check-hash-based-pycs=always".to_vec()
            }]
        );
        let (o, _) = scan(&["--check-hash-based-pycs"]);
        assert_eq!(
            o,
            vec![Opt::Invalid {
                message: b"Argument expected for the --check-hash-based-pycs options".to_vec()
            }]
        );
        assert_eq!(scan(&["--help"]).0[0], s('h', None));
        assert_eq!(scan(&["--version"]).0[0], s('V', None));
    }

    #[test]
    fn errors() {
        let msg = |args: &[&str]| match scan(args).0.pop().unwrap() {
            Opt::Invalid { message } => String::from_utf8(message).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(msg(&["-Oz"]), "Unknown option: -z");
        assert_eq!(msg(&["-J"]), "-J is reserved for Jython");
        assert_eq!(msg(&["-X"]), "Argument expected for the -X option");
        assert_eq!(msg(&["-:"]), "Unknown option: -:");
    }

    #[test]
    fn dash_inside_group_starts_a_long_option() {
        assert_eq!(scan(&["-b-"]).0, vec![s('b', None), Opt::End]);
        assert_eq!(
            scan(&["-b-help-env"]).0,
            vec![s('b', None), Opt::Long(LongOpt::HelpEnv, None), Opt::End]
        );
    }
}
