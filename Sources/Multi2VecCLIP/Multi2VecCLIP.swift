// Multi2VecCLIP module
