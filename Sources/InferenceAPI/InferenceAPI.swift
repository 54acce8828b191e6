// InferenceAPI module
