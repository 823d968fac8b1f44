//! Startup costs through the library, with the compiled component cached:
//! instantiate + initialize (`interpreters.interpreter.create`: pre-init
//! and init from an argv), and instantiate + a whole `-c pass` run.
//!
//! `cargo run --release -p pyrt-host --example startup [REPS]`

use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> wasmtime::Result<()> {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(51);
    let t = Instant::now();
    let pyrt = pyrt_host::Pyrt::load_default()?;
    println!(
        "load (compiled cache): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let args = pyrt_host::RunConfig::new(["pyrt", "-I", "-S", "-c", "pass"]);
    let (mut init, mut run) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let t = Instant::now();
        let it = pyrt.interpreter(&args)?;
        init.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(it.is_ok());
        let t = Instant::now();
        let code = pyrt.run(&args)?;
        run.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(code, 0);
    }
    println!(
        "instantiate + initialize: {:.0} us (median of {reps})",
        median(init)
    );
    println!(
        "instantiate + run `-c pass` + finalize: {:.0} us",
        median(run)
    );
    Ok(())
}
