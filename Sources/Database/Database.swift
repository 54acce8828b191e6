// Database module
