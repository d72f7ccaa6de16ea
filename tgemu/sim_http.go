package tgemu

import "net/http"

func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	writeError(w, errDesc(404, "Not Found"))
}
