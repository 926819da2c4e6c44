use pyo3::prelude::*;

#[pymodule]
mod wsmod {
    use pyo3::prelude::*;

    #[pyfunction]
    fn answer() -> u32 {
        42
    }
}
