// CLIPEngine module
