// mimalloc: the simulation allocates many small, short-lived buffers (scheduling simulations,
// decision rows); glibc's allocator was 5-10 % of a simulated year.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    capsim::cli::main()
}
