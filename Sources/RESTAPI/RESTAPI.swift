// RESTAPI module
