// Tokenizers module
