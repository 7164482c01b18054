package com.example.face;

import com.baidu.aip.face.AipFace;
import org.json.JSONObject;

import java.util.HashMap;

public class BaiduFaceDemo {
    public static void main(String[] args) {
        AipFace client = new AipFace(System.getenv("APP_ID"), System.getenv("API_KEY"), System.getenv("SECRET_KEY"));

        HashMap<String, Object> options = new HashMap<>();
        options.put("face_field", "age,gender,race,glasses,expression,face_shape");
        options.put("max_face_num", "2");
        options.put("face_type", "LIVE");

        JSONObject res = client.detect(args[0], "URL", options);
        JSONObject face = res.getJSONObject("result").getJSONArray("face_list").getJSONObject(0);
        System.out.println("age=" + face.getDouble("age")
                + " gender=" + face.getJSONObject("gender").getString("type")
                + " race=" + face.getJSONObject("race").getString("type"));
    }
}
